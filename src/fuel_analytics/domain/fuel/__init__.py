"""Fuel analytics (DOMAIN.md §3-§5, §7): pure functions over one truck's readings.

- :func:`analyze_truck`: daily rows (distance, fuel, MPG inputs, idle, balance) and fuel
  events (refuels, drops and their classes) over a window;
- :func:`detect_siphoning`: slow losses over consecutive days;
- :func:`summarize_period`: a period's distance, fuel, MPG band, idle, events and cost;
- :func:`def_status`: the DEF level band and how long it lasts.

Every threshold is a field of :class:`FuelRules`; a truck's ``thresholds`` override them.
"""

from fuel_analytics.domain.fuel.analysis import analyze_truck
from fuel_analytics.domain.fuel.def_level import DefBand, DefStatus, def_band, def_status
from fuel_analytics.domain.fuel.model import (
    SENSOR_FAULTS,
    DailyFuel,
    EvidencePoint,
    FuelEvent,
    FuelEventKind,
    Source,
    TruckFuelAnalysis,
)
from fuel_analytics.domain.fuel.period import MpgBand, PeriodFuel, mpg_band, summarize_period
from fuel_analytics.domain.fuel.rules import FuelRules, rules_for
from fuel_analytics.domain.fuel.siphoning import detect_siphoning, unexplained_loss
from fuel_analytics.domain.fuel.theft import local_hour, utc_offset_hours

__all__ = [
    "SENSOR_FAULTS",
    "DailyFuel",
    "DefBand",
    "DefStatus",
    "EvidencePoint",
    "FuelEvent",
    "FuelEventKind",
    "FuelRules",
    "MpgBand",
    "PeriodFuel",
    "Source",
    "TruckFuelAnalysis",
    "analyze_truck",
    "def_band",
    "def_status",
    "detect_siphoning",
    "local_hour",
    "mpg_band",
    "rules_for",
    "summarize_period",
    "unexplained_loss",
    "utc_offset_hours",
]
