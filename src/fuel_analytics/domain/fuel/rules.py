"""Every fuel threshold in one place (DOMAIN.md §3-§5, §7 defaults), overridable per truck.

Algorithms read thresholds from :class:`FuelRules` and nowhere else. A truck's
``thresholds`` mapping overrides fields by name; a name that is not a field is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.latest import StatusRules
from fuel_analytics.domain.model import Truck
from fuel_analytics.domain.overrides import with_overrides as apply_overrides


@dataclass(frozen=True, slots=True)
class FuelRules:
    """DOMAIN.md defaults. Times in seconds, levels in % of the tank, volumes in US gallons."""

    # segments, distance and fuel used (§3)
    segment_gap_s: float = 1800.0
    speed_integration_max_gap_s: float = 300.0
    rate_integration_max_gap_s: float = 600.0
    max_plausible_mph: float = 90.0
    odometer_resolution_mi: float = 0.1
    # without an odometer, GPS apportions the speed integral (see consumption.py): the
    # road-to-GPS factor comes from the steady moving intervals (speeds this close) within
    # this time either side, used only when they cover this much GPS distance and the factor
    # is plausible
    gps_calibration_window_s: float = 43200.0
    gps_calibration_steady_mph: float = 8.0
    gps_calibration_min_mi: float = 5.0
    gps_road_factor_min: float = 0.8
    gps_road_factor_max: float = 2.0
    # MPG (§3)
    mpg_min_distance_mi: float = 10.0
    mpg_min_fuel_gal: float = 1.0
    mpg_suspect_low: float = 2.0
    mpg_suspect_high: float = 15.0
    mpg_band_good_pct: float = 0.0
    mpg_band_normal_pct: float = -12.5
    mpg_band_warning_pct: float = -25.0
    # idle (§3)
    idle_default_gph: float = 0.8
    # smoothed level (§3)
    smoothing_window: int = 5
    # refuels (§4)
    refuel_min_pct: float = 8.0
    refuel_min_gal: float = 5.0
    refuel_window_s: float = 3600.0
    refuel_merge_s: float = 900.0
    refuel_max_start_speed_mph: float = 2.0
    topoff_above_pct: float = 95.0
    topoff_max_gal: float = 10.0
    # drops and their classes (§4)
    drop_min_pct: float = 10.0
    drop_min_gal: float = 15.0
    drop_window_s: float = 1800.0
    drop_tolerance_pct: float = 2.0
    drop_merge_s: float = 900.0
    glitch_recover_pct: float = 5.0
    glitch_recover_s: float = 600.0
    noise_volatility_pct: float = 8.0
    noise_window: int = 20
    noise_min_samples: int = 5
    noise_jumps: int = 3
    noise_merge_s: float = 10800.0
    change_hold_s: float = 3600.0
    disconnect_jump_pct: float = 40.0
    disconnect_recover_s: float = 21600.0
    parked_max_mi: float = 0.5
    parked_gap_max_gal: float = 0.5
    night_start_hour: int = 22
    night_end_hour: int = 6
    low_battery_v: float = 11.5
    # how sure an event is (0-1)
    theft_confidence_base: float = 0.4
    theft_confidence_parked: float = 0.2
    theft_confidence_night: float = 0.15
    theft_confidence_size: float = 0.2
    theft_confidence_low_battery: float = 0.2
    theft_confidence_no_gps: float = 0.1
    refuel_confidence: float = 0.9
    refuel_confidence_unknown_speed: float = 0.7
    glitch_confidence: float = 0.85
    disconnect_confidence: float = 0.9
    noise_confidence: float = 0.8
    evidence_max_points: int = 60
    # slow siphoning (§4)
    siphon_day_pct: float = 2.0
    siphon_min_days: int = 3
    siphon_min_gal: float = 10.0
    siphon_confidence_base: float = 0.5
    siphon_confidence_per_day: float = 0.1
    siphon_confidence_size: float = 0.2
    # cost (§7): flat price unless the truck or the caller gives one
    fuel_price_per_gal: float = 3.85
    # DEF (§5)
    def_good_pct: float = 25.0
    def_low_pct: float = 15.0
    def_warning_pct: float = 10.0
    def_critical_pct: float = 5.0
    def_refill_rise_pct: float = 2.0
    def_pair_min_mi: float = 25.0
    def_pair_min_engine_h: float = 1.0
    def_rate_min_span_h: float = 12.0
    # MOVING / IDLE / STOPPED per reading: the live-status rules, reused as they are
    status: StatusRules = field(default_factory=StatusRules)

    @property
    def lookahead_s(self) -> float:
        """How long after an event later readings can still change it (a disconnect is only
        known when the gauge comes back, a change must hold, noise merges). When late
        readings arrive, recompute from at least this long before the earliest of them."""
        return max(
            self.disconnect_recover_s,
            self.glitch_recover_s + self.change_hold_s,
            self.noise_merge_s,
        ) + max(self.refuel_merge_s, self.drop_merge_s)

    @property
    def lookbehind_s(self) -> float:
        """How long before a window readings still shape what is found in it (detection
        windows, noise windows): pass at least this much context before ``start``."""
        return max(self.refuel_window_s, self.drop_window_s, self.noise_merge_s)

    def with_overrides(self, overrides: Mapping[str, float]) -> FuelRules:
        """A copy with fields replaced by name (a truck's ``thresholds``).

        Names of :class:`StatusRules` number fields (``moving_above_mph``, ...) are accepted
        too. An unknown name, a non-number, a negative value where only a size makes sense,
        or a fraction where a count is expected raise :class:`InvalidField`.
        """
        return apply_overrides(self, overrides, what="fuel", signed=_SIGNED_FIELDS, count=_count)


def rules_for(truck: Truck, rules: FuelRules) -> FuelRules:
    """The rules that apply to one truck: the fleet's, with the truck's overrides."""
    return rules.with_overrides(truck.thresholds)


_SIGNED_FIELDS: Final = frozenset(
    {"mpg_band_good_pct", "mpg_band_normal_pct", "mpg_band_warning_pct"}
)
_MIN_COUNT: Final = {
    "smoothing_window": 1,
    "noise_window": 2,
    "noise_min_samples": 2,
    "noise_jumps": 1,
}
_MAX_COUNT: Final = {"night_start_hour": 24, "night_end_hour": 24}


def _count(name: str, value: float) -> int:
    if value != int(value):
        raise InvalidField(name, "must be a whole number")
    count = int(value)
    low = _MIN_COUNT.get(name, 0)
    if count < low:
        raise InvalidField(name, f"must be at least {low}")
    high = _MAX_COUNT.get(name)
    if high is not None and count > high:
        raise InvalidField(name, f"must be at most {high}")
    return count
