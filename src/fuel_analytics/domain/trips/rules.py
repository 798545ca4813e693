"""Every trip, behaviour and utilization threshold in one place (DOMAIN.md §3 defaults).

A truck's (or the fleet's) ``thresholds`` mapping overrides fields by name, as for the fuel
rules; an unknown name, a non-number or a negative size raise :class:`InvalidField`.

Harsh events from speed deltas (used only where the device sends no harsh flags and two
samples are at most ``harsh_max_gap_s`` apart): ``harsh_accel_mph_s`` = 6 mph/s (about
0.27 g, beyond what a loaded class-8 tractor does in normal driving) and
``harsh_brake_mph_s`` = 8 mph/s (about 0.36 g, a panic stop for a heavy truck).

Scores are linear between a value that earns 100 (``*_full``) and one that earns 0
(``*_zero``), clamped to 0-100.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.fuel.rules import FuelRules
from fuel_analytics.domain.latest import StatusRules
from fuel_analytics.domain.overrides import with_overrides as apply_overrides

_FUEL: Final = FuelRules()


@dataclass(frozen=True, slots=True)
class TripRules:
    """DOMAIN.md defaults. Times in seconds, speeds in mph, distances in miles."""

    # trips and stops
    trip_end_stop_s: float = 600.0
    # series, distance and fuel: the fuel rules' defaults (one source), passed on to
    # measure_intervals; overridable here like any trip threshold
    segment_gap_s: float = _FUEL.segment_gap_s
    speed_integration_max_gap_s: float = _FUEL.speed_integration_max_gap_s
    rate_integration_max_gap_s: float = _FUEL.rate_integration_max_gap_s
    max_plausible_mph: float = _FUEL.max_plausible_mph
    odometer_resolution_mi: float = _FUEL.odometer_resolution_mi
    gps_calibration_window_s: float = _FUEL.gps_calibration_window_s
    gps_calibration_steady_mph: float = _FUEL.gps_calibration_steady_mph
    gps_calibration_min_mi: float = _FUEL.gps_calibration_min_mi
    gps_road_factor_min: float = _FUEL.gps_road_factor_min
    gps_road_factor_max: float = _FUEL.gps_road_factor_max
    mpg_min_distance_mi: float = _FUEL.mpg_min_distance_mi
    mpg_min_fuel_gal: float = _FUEL.mpg_min_fuel_gal
    # speeding and harsh events
    speeding_above_mph: float = 68.0
    harsh_max_gap_s: float = 5.0
    harsh_accel_mph_s: float = 6.0
    harsh_brake_mph_s: float = 8.0
    # behaviour score: weights (must sum to 1) and the linear scales
    weight_mpg: float = 0.40
    weight_idle: float = 0.30
    weight_speeding: float = 0.15
    weight_harsh: float = 0.15
    mpg_deviation_full_pct: float = 0.0
    mpg_deviation_zero_pct: float = -50.0
    idle_full_pct: float = 10.0
    idle_zero_pct: float = 50.0
    speeding_full_min_per_h: float = 0.0
    speeding_zero_min_per_h: float = 10.0
    harsh_full_per_100mi: float = 0.0
    harsh_zero_per_100mi: float = 5.0
    harsh_min_distance_mi: float = 10.0
    score_min_driving_s: float = 600.0
    # utilization: available hours of a period = its hours x the share of a week on duty
    available_hours_per_day: float = 24.0
    available_days_per_week: float = 7.0
    active_day_min_driving_s: float = 60.0
    # benchmarking
    peer_year_window: int = 3
    # MOVING / IDLE / STOPPED per reading: the live-status rules, reused as they are
    status: StatusRules = field(default_factory=StatusRules)

    def __post_init__(self) -> None:
        total = self.weight_mpg + self.weight_idle + self.weight_speeding + self.weight_harsh
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise InvalidField("weight_mpg", f"the score weights must sum to 1, not {total:g}")
        if self.available_hours_per_day > 24 or self.available_days_per_week > 7:
            raise InvalidField("available_hours_per_day", "exceeds the day or the week")

    def fuel_rules(self) -> FuelRules:
        """The fuel rules that measure distance and fuel per interval, with these values."""
        return FuelRules(
            segment_gap_s=self.segment_gap_s,
            speed_integration_max_gap_s=self.speed_integration_max_gap_s,
            rate_integration_max_gap_s=self.rate_integration_max_gap_s,
            max_plausible_mph=self.max_plausible_mph,
            odometer_resolution_mi=self.odometer_resolution_mi,
            gps_calibration_window_s=self.gps_calibration_window_s,
            gps_calibration_steady_mph=self.gps_calibration_steady_mph,
            gps_calibration_min_mi=self.gps_calibration_min_mi,
            gps_road_factor_min=self.gps_road_factor_min,
            gps_road_factor_max=self.gps_road_factor_max,
            mpg_min_distance_mi=self.mpg_min_distance_mi,
            mpg_min_fuel_gal=self.mpg_min_fuel_gal,
            status=self.status,
        )

    def with_overrides(self, overrides: Mapping[str, float]) -> TripRules:
        """A copy with fields replaced by name; :class:`StatusRules` names are accepted too."""
        return apply_overrides(self, overrides, what="trip", signed=_SIGNED_FIELDS)


_SIGNED_FIELDS: Final = frozenset({"mpg_deviation_full_pct", "mpg_deviation_zero_pct"})
