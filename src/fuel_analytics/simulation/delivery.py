"""Late and out-of-order delivery, as gateways and retries produce it."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator

from fuel_analytics.domain.model import Reading


def shuffled_delivery(
    readings: Iterable[Reading],
    seed: int,
    *,
    late_fraction: float = 0.05,
    window: int = 50,
) -> Iterator[Reading]:
    """Deliver every reading exactly once, out of order.

    Readings are shuffled locally within a sliding buffer of ``window`` readings, and a
    ``late_fraction`` of them is held back and delivered 2-40 windows later (or at the end).
    Memory stays bounded by the window and the held-back readings; deterministic for a seed.
    """
    if not 0.0 <= late_fraction <= 1.0:
        raise ValueError("late_fraction must be between 0 and 1")
    if window < 1:
        raise ValueError("window must be at least 1")
    rng = random.Random(f"{seed}/delivery")
    buffer: list[Reading] = []
    late: list[tuple[int, int, Reading]] = []
    for count, reading in enumerate(readings, start=1):
        if late_fraction > 0 and rng.random() < late_fraction:
            heapq.heappush(late, (count + rng.randint(2 * window, 40 * window), count, reading))
        else:
            buffer.append(reading)
            if len(buffer) >= window:
                j = rng.randrange(len(buffer))
                buffer[j], buffer[-1] = buffer[-1], buffer[j]
                yield buffer.pop()
        while late and late[0][0] <= count:
            yield heapq.heappop(late)[2]
    rng.shuffle(buffer)
    yield from buffer
    while late:
        yield heapq.heappop(late)[2]
