"""Component health and predictive maintenance (DOMAIN.md §6). Pure: standard library only.

- :mod:`.rules`: the thresholds table (``DEFAULT_MONITORS``), per-truck overrides, conditions
- :mod:`.buckets`: hourly / daily aggregates (count, mean, min, max, p95)
- :mod:`.trend`: least-squares trend of daily means, days to a threshold
- :mod:`.spc`: Nelson rules 1, 2, 5, 7 and the flat-line check
- :mod:`.health`: status and reason of one component; :mod:`.history`: from a history to it
- :mod:`.fleet`: fleet ranking and systemic components
- :mod:`.dtc`, :mod:`.dtc_table`: J1939 fault codes and fault events
"""

from fuel_analytics.domain.components.buckets import (
    DAY,
    HOUR,
    Bucket,
    aggregate,
    aggregate_samples,
    bucket_start,
    samples,
)
from fuel_analytics.domain.components.dtc import (
    CLEAR_AFTER,
    DtcCode,
    FaultEvent,
    decode,
    fault_events,
)
from fuel_analytics.domain.components.fleet import FleetRisk, SystemicIssue, fleet_risk
from fuel_analytics.domain.components.health import (
    DEFAULT_HEALTH,
    ComponentHealth,
    HealthRules,
    HealthStatus,
    assess,
)
from fuel_analytics.domain.components.history import (
    assess_history,
    assess_readings,
    history_days,
    spc_windows,
)
from fuel_analytics.domain.components.rules import (
    DEFAULT_CONDITIONS,
    DEFAULT_MONITORS,
    ComponentMonitor,
    Condition,
    ConditionRules,
    Side,
    monitor_named,
    monitored_value,
    monitors_for,
    threshold_keys,
    validate_thresholds,
)
from fuel_analytics.domain.components.spc import NelsonRule, SpcResult, SpcRules, spc
from fuel_analytics.domain.components.trend import Trend, TrendRules, days_to, trend

__all__ = [
    "CLEAR_AFTER",
    "DAY",
    "DEFAULT_CONDITIONS",
    "DEFAULT_HEALTH",
    "DEFAULT_MONITORS",
    "HOUR",
    "Bucket",
    "ComponentHealth",
    "ComponentMonitor",
    "Condition",
    "ConditionRules",
    "DtcCode",
    "FaultEvent",
    "FleetRisk",
    "HealthRules",
    "HealthStatus",
    "NelsonRule",
    "Side",
    "SpcResult",
    "SpcRules",
    "SystemicIssue",
    "Trend",
    "TrendRules",
    "aggregate",
    "aggregate_samples",
    "assess",
    "assess_history",
    "assess_readings",
    "bucket_start",
    "days_to",
    "decode",
    "fault_events",
    "fleet_risk",
    "history_days",
    "monitor_named",
    "monitored_value",
    "monitors_for",
    "samples",
    "spc",
    "spc_windows",
    "threshold_keys",
    "trend",
    "validate_thresholds",
]
