"""A smaller run of `fuel-analytics evaluate`: the same thresholds as the 50 x 30 run, on
a 12-truck, 10-day fleet (each injected kind still occurs), through real ingestion and a
real SQLite database."""

from __future__ import annotations

from fuel_analytics.domain.fuel import FuelEventKind
from fuel_analytics.entrypoints.evaluate import report, run_evaluation


async def test_detection_meets_the_targets_on_a_small_fleet() -> None:
    run = await run_evaluation(trucks=12, days=10, seed=3, progress=False)
    ev = run.evaluation
    text = report(run)
    refuel = ev.score(FuelEventKind.REFUEL)
    theft = ev.score(FuelEventKind.THEFT_SUSPECTED)
    assert run.rejected == 0, text
    assert refuel.truth >= 20, text
    assert theft.truth >= 1, text
    assert (refuel.precision or 0) >= 0.98, text
    assert (refuel.recall or 0) >= 0.98, text
    assert (theft.precision or 0) >= 0.95, text
    assert (theft.recall or 0) >= 0.90, text
    assert ev.thefts_on_clean_trucks == 0, text
    assert ev.clean_trucks, text
    assert ev.mpg, text
    assert (ev.worst_mpg_error_pct or 100.0) <= 3.0, text
