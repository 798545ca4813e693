"""Raw readings retention: expired whole months go, derived results stay.

A run first recomputes the stale truck-days that are about to lose their readings (their
rollups then hold every reading they ever had), then removes the expired months and their
stale marks and, on MySQL, adds the coming months' partitions. A dry run only plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fuel_analytics.domain.ports import Clock, ReadingRetention
from fuel_analytics.domain.retention import RetentionReport, RetentionWindow
from fuel_analytics.services.derived import DerivedResults

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RetentionService:
    store: ReadingRetention
    derived: DerivedResults
    clock: Clock
    days: int  # 0: raw readings are kept forever

    def window(self) -> RetentionWindow:
        return RetentionWindow(self.clock.now(), self.days)

    async def run(self, *, dry_run: bool = False) -> RetentionReport:
        window = self.window()
        plan = await self.store.plan(window)
        if dry_run:
            return RetentionReport(window, plan, recomputed=0, dry_run=True)
        recomputed = 0
        if plan.keep_from is not None and plan.expired_stale_days:
            # the days before keep_from (ensure_fresh's range includes its end's day)
            last_day = plan.keep_from - timedelta(days=1)
            recomputed = await self.derived.ensure_fresh(None, EPOCH, last_day)
        done = await self.store.apply(plan)
        return RetentionReport(window, done, recomputed=recomputed, dry_run=False)
