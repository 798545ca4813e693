"""Ingest: validate each row against the telemetry contract, store the valid ones at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fuel_analytics.domain.auth import ALL_CARRIERS, Tenant
from fuel_analytics.domain.errors import BatchTooLarge, InvalidField
from fuel_analytics.domain.model import IngestResult, Reading, Rejection, StoreResult
from fuel_analytics.domain.ports import NO_METRICS, Clock, Metrics, ReadingStore, TruckRegistry
from fuel_analytics.domain.telemetry import TelemetryRules, parse_reading


@dataclass(frozen=True, slots=True)
class IngestService:
    store: ReadingStore
    trucks: TruckRegistry
    clock: Clock
    rules: TelemetryRules
    auto_register: bool = True
    max_batch: int = 10_000
    metrics: Metrics = NO_METRICS

    async def ingest(
        self, rows: Sequence[object], *, first_index: int = 0, tenant: Tenant = ALL_CARRIERS
    ) -> IngestResult:
        """Store the valid rows of one batch in one transaction; reject the others one by one.

        Rejections carry the row's index (``first_index`` + position) and the field at fault.
        A reading repeated inside the batch or already stored counts as a duplicate.
        A carrier's rows for another carrier's truck are rejected like an unknown truck's;
        the trucks it auto-registers are its own.
        """
        self._check_size(len(rows))
        now = self.clock.now()
        valid: list[tuple[int, Reading]] = []
        rejected: list[Rejection] = []
        for position, raw in enumerate(rows):
            try:
                valid.append(
                    (first_index + position, parse_reading(raw, now=now, rules=self.rules))
                )
            except InvalidField as error:
                rejected.append(Rejection(first_index + position, error.field, error.reason))
        return await self._admit(valid, rejected, tenant)

    async def ingest_valid(
        self, readings: Sequence[Reading], *, tenant: Tenant = ALL_CARRIERS
    ) -> IngestResult:
        """``ingest`` for a batch whose every row a decoder has already made into a reading
        as ``parse_reading`` would, with this service's rules and clock (the HTTP route's
        fast path): the same checks of the trucks, the same store, the same answer."""
        self._check_size(len(readings))
        return await self._admit(list(enumerate(readings)), [], tenant)

    def _check_size(self, size: int) -> None:
        if size > self.max_batch:
            raise BatchTooLarge(
                f"a batch holds at most {self.max_batch} readings, this one has {size}: split it",
                field="readings",
            )

    async def _admit(
        self, valid: list[tuple[int, Reading]], rejected: list[Rejection], tenant: Tenant
    ) -> IngestResult:
        """Store the valid readings (index, reading) whose trucks the caller may write to;
        the rest join the rejections."""
        if valid and (not self.auto_register or not tenant.everything):
            ids = {r.truck_id for _, r in valid}
            known = await self.trucks.existing(ids)
            if not tenant.everything:
                mine = {t.truck_id for t in await self.trucks.all() if tenant.sees(t)}
                # another carrier's truck is as unknown as a missing one; a missing one is
                # registered for this carrier when auto-registration is on
                known = (known & mine) | (ids - known if self.auto_register else set())
            for index, reading in valid:
                if reading.truck_id not in known:
                    rejected.append(
                        Rejection(index, "truck_id", f"unknown truck {reading.truck_id!r}")
                    )
            valid = [(i, r) for i, r in valid if r.truck_id in known]
        result = (
            await self.store.store([r for _, r in valid], carrier_id=tenant.carrier_id)
            if valid
            else StoreResult(0, 0)
        )
        rejected.sort(key=lambda r: r.index)
        self.metrics.readings_ingested(result.accepted, result.duplicates, len(rejected))
        return IngestResult(
            accepted=result.accepted, duplicates=result.duplicates, rejected=tuple(rejected)
        )

    async def ingest_readings(self, readings: Sequence[Reading]) -> StoreResult:
        """Store readings that are already domain objects (the demo loader, benchmarks):
        the same store and transaction, without decoding."""
        self._check_size(len(readings))
        result = await self.store.store(readings)
        self.metrics.readings_ingested(result.accepted, result.duplicates, 0)
        return result
