"""In-memory component buckets (tests only)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from fuel_analytics.domain.components.buckets import DAY, Bucket
from fuel_analytics.domain.model import TruckId


class MemoryComponentBuckets:
    def __init__(self) -> None:
        self.rows: dict[tuple[TruckId, str, bool, datetime], Bucket] = {}

    async def replace(
        self,
        truck_id: TruckId,
        start: datetime,
        end: datetime,
        hourly: Sequence[Bucket],
        daily: Sequence[Bucket],
    ) -> None:
        for key in [k for k in self.rows if k[0] == truck_id and start <= k[3] < end]:
            del self.rows[key]
        for bucket in hourly:
            self.rows[(truck_id, bucket.monitor_key, False, bucket.start)] = bucket
        for bucket in daily:
            self.rows[(truck_id, bucket.monitor_key, True, bucket.start)] = bucket

    async def buckets(
        self,
        truck_ids: Collection[TruckId] | None,
        monitor_key: str | None,
        width: timedelta,
        start: datetime,
        end: datetime,
        limit: int | None = None,
    ) -> list[tuple[TruckId, Bucket]]:
        found = [
            (key[0], bucket)
            for key, bucket in sorted(self.rows.items(), key=lambda kv: kv[0])
            if key[2] == (width == DAY)
            and start <= key[3] < end
            and (truck_ids is None or key[0] in truck_ids)
            and (monitor_key is None or key[1] == monitor_key)
        ]
        return found if limit is None else found[:limit]
