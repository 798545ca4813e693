"""`fuel-analytics retention [--dry-run]`: drop expired raw readings, add coming partitions.

Meant for cron (daily is plenty). Prints what it did (or, with ``--dry-run``, what it would
do); exits 1 with an ``error:`` line on stderr when anything fails.
"""

from __future__ import annotations

import sys
from datetime import datetime

from fuel_analytics.adapters.sqlalchemy.schema import ensure_current
from fuel_analytics.domain.errors import DomainError
from fuel_analytics.domain.retention import RetentionReport
from fuel_analytics.entrypoints.container import Container, resolved
from fuel_analytics.services.retention import RetentionService

SETTING = "FUEL_READINGS_RETENTION_DAYS"


async def run_retention(container: Container, *, dry_run: bool) -> int:
    try:
        await ensure_current(await resolved(container.engine()))
        service: RetentionService = await resolved(container.retention_service())
        report = await service.run(dry_run=dry_run)
    except DomainError as error:
        print(f"error: retention failed: {error.detail}", file=sys.stderr)
        return 1
    print(describe(report))
    return 0


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def describe(report: RetentionReport) -> str:
    window, plan = report.window, report.plan
    dry = report.dry_run

    def did(present: str, past: str) -> str:
        return f"would {present}" if dry else past

    lines = ["dry run: nothing is changed"] if dry else []
    if window.cutoff is None or plan.keep_from is None:
        lines.append(f"raw readings retention: off ({SETTING}=0), every reading is kept")
    else:
        lines += [
            f"raw readings retention: {window.days} days ({SETTING}), now {_when(window.now)}",
            f"  ingestion refuses readings before {_when(window.cutoff)}",
            f"  readings before {_day(plan.keep_from)} expire (whole months)",
            "  daily rollups, fuel events, component buckets and trips are kept",
        ]
    if report.recomputed or (dry and plan.expired_stale_days):
        count = plan.expired_stale_days if dry else report.recomputed
        lines.append(
            f"{did('recompute', 'recomputed')} {count:,} stale truck-days before their readings go"
        )
    for part in plan.add:
        lines.append(
            f"{did('add', 'added')} partition {part.name} (readings before {_day(part.below)})"
        )
    for part in plan.drop:
        lines.append(
            f"{did('drop', 'dropped')} partition {part.name} "
            f"(readings before {_day(part.below)}): {part.readings:,} readings"
        )
    if not plan.partitioned and plan.expired_readings and plan.keep_from is not None:
        lines.append(
            f"{did('delete', 'deleted')} {plan.expired_readings:,} readings before "
            f"{_day(plan.keep_from)}"
        )
    if plan.expired_stale_days and not dry:
        lines.append(f"cleared {plan.expired_stale_days:,} stale marks of expired days")
    if dry:
        lines.append(
            f"dry run: readings_to_remove={plan.expired_readings} "
            f"partitions_to_drop={len(plan.drop)} partitions_to_add={len(plan.add)} "
            f"stale_days_to_recompute={plan.expired_stale_days}"
        )
    else:
        lines.append(
            f"done: readings_removed={plan.expired_readings} "
            f"partitions_dropped={len(plan.drop)} partitions_added={len(plan.add)} "
            f"stale_days_recomputed={report.recomputed}"
        )
    return "\n".join(lines)
