"""A smaller `fuel-analytics evaluate-components`: degradations flagged HIGH at least 7 days
before they cross critical, healthy trucks OK, the stuck sensor reported."""

from __future__ import annotations

from datetime import UTC, datetime

from fuel_analytics.simulation import FleetConfig, simulate_fleet
from fuel_analytics.simulation.component_scoring import component_report, evaluate_components


def test_degradations_are_flagged_a_week_ahead_and_healthy_trucks_stay_ok() -> None:
    end = datetime(2026, 1, 31, tzinfo=UTC)
    fleet = simulate_fleet(FleetConfig(trucks=12, days=40, seed=42, end=end))
    ev = evaluate_components(fleet)
    text = component_report(ev)
    assert len(ev.leads) == 3, text
    assert all(lead.in_time for lead in ev.leads), text
    assert ev.healthy_monitors >= 27, text
    assert ev.healthy_ok == ev.healthy_monitors, text
    assert ev.stuck_total == 1, text
    assert ev.stuck_found == 1, text
