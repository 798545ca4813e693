"""`fuel-analytics evaluate`: detection quality against the simulator's ground truth.

The simulated fleet goes through the real ingestion path (JSON rows, validated, out of order,
in uneven batches) into a real database, the derived results are computed the way the service
computes them, and what was detected is scored against what the simulator injected.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.domain.fuel import FuelEvent, PeriodFuel, summarize_period
from fuel_analytics.domain.fuel.store import EventQuery
from fuel_analytics.domain.model import TruckId
from fuel_analytics.domain.telemetry import reading_to_dict
from fuel_analytics.entrypoints.container import Container, build_container, resolved, start, stop
from fuel_analytics.entrypoints.settings import Settings
from fuel_analytics.services.derived import ALL_DAYS, DerivedResults, fuel_view
from fuel_analytics.services.ingest import IngestService
from fuel_analytics.services.registry import RegistryService
from fuel_analytics.simulation import FleetConfig, shuffled_delivery, simulate_fleet
from fuel_analytics.simulation.scoring import Evaluation, evaluate

DEFAULT_END = datetime(2026, 1, 31, tzinfo=UTC)  # fixed: the same seed gives the same fleet
BATCH_RANGE = (1, 3_000)


@dataclass(frozen=True, slots=True)
class EvaluationRun:
    evaluation: Evaluation
    readings: int
    rejected: int


async def run_evaluation(
    *,
    trucks: int,
    days: int,
    seed: int,
    database_url: str | None = None,
    progress: bool = True,
    end: datetime = DEFAULT_END,
) -> EvaluationRun:
    with tempfile.TemporaryDirectory() as scratch:
        url = database_url or f"sqlite+aiosqlite:///{Path(scratch) / 'evaluate.db'}"
        settings = Settings(
            _env_file=None,
            database_url=url,
            recompute_interval_s=0,
            max_batch=BATCH_RANGE[1],
            readings_retention_days=0,  # the simulated fleet's months may be long past
        )
        container = build_container(settings)
        await start(container)
        try:
            return await _evaluate(container, trucks, days, seed, end, progress)
        finally:
            await stop(container)


async def _evaluate(
    container: Container, trucks: int, days: int, seed: int, end: datetime, progress: bool
) -> EvaluationRun:
    await upgrade(await resolved(container.engine()))
    fleet = simulate_fleet(FleetConfig(trucks=trucks, days=days, seed=seed, end=end))
    registry: RegistryService = await resolved(container.registry_service())
    ingest: IngestService = await resolved(container.ingest_service())
    derived: DerivedResults = await resolved(container.derived_results())
    for truck in fleet.trucks:
        await registry.put(truck)
    rng = random.Random(seed)
    total = fleet.reading_count()
    rejected = 0
    batch: list[object] = []
    size = rng.randint(*BATCH_RANGE)
    with tqdm(total=total, unit="readings", desc="ingest", disable=not progress) as bar:
        for reading in shuffled_delivery(fleet.iter_readings(), seed):
            batch.append(reading_to_dict(reading))
            if len(batch) >= size:
                rejected += len((await ingest.ingest(batch)).rejected)
                bar.update(len(batch))
                batch, size = [], rng.randint(*BATCH_RANGE)
        if batch:
            rejected += len((await ingest.ingest(batch)).rejected)
            bar.update(len(batch))
    dirty = await resolved(container.dirty_days())
    pending = len(await dirty.oldest(10_000_000))
    with tqdm(total=pending, unit="truck-days", desc="derive", disable=not progress) as bar:
        while done := await derived.refresh_pending(200):
            bar.update(done)
    results = await resolved(container.fuel_results())
    stored = await results.events(EventQuery(limit=10_000_000, with_evidence=False))
    detected: list[FuelEvent] = [s.event for s in stored]
    periods: dict[TruckId, PeriodFuel] = {}
    rules = await resolved(container.fuel_rules())
    for truck in fleet.trucks:
        rows = await results.daily([truck.truck_id], *ALL_DAYS)
        mine = [e for e in detected if e.truck_id == truck.truck_id]
        periods[truck.truck_id] = summarize_period(fuel_view(truck), rows, mine, rules)
    return EvaluationRun(evaluate(fleet.truth, detected, periods), total, rejected)


def report(run: EvaluationRun) -> str:
    ev = run.evaluation
    lines = [
        f"readings ingested: {run.readings} (rejected {run.rejected})",
        "",
        f"{'kind':<20}{'truth':>7}{'found':>7}{'TP':>6}{'precision':>11}{'recall':>9}",
    ]
    for k in ev.kinds:
        p = "-" if k.precision is None else f"{k.precision:.3f}"
        r = "-" if k.recall is None else f"{k.recall:.3f}"
        lines.append(
            f"{k.kind.value:<20}{k.truth:>7}{k.detected:>7}{k.true_positives:>6}{p:>11}{r:>9}"
        )
    lines += [
        "",
        f"THEFT_SUSPECTED on flapping/glitch/disconnect trucks: {ev.thefts_on_clean_trucks} "
        f"(trucks: {', '.join(ev.clean_trucks) or 'none'})",
        "",
        f"MPG vs truth (trucks with >= 100 mi): worst |error| "
        f"{'-' if ev.worst_mpg_error_pct is None else f'{ev.worst_mpg_error_pct:.2f} %'}",
    ]
    for m in ev.mpg:
        measured = "null" if m.measured_mpg is None else f"{m.measured_mpg:.3f}"
        error = "-" if m.error_pct is None else f"{m.error_pct:+.2f} %"
        lines.append(
            f"  {m.truck_id:<12} true {m.true_mpg:6.3f}  measured {measured:>6}  {error:>9}"
            f"  ({m.distance_mi:,.0f} mi)"
        )
    return "\n".join(lines)
