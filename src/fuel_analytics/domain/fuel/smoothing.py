"""The float gauge is noisy: a trailing median for detection, a standard deviation for how
much the sensor can be trusted."""

from __future__ import annotations

import math
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    size = len(ordered)
    middle = size // 2
    if size % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def trailing_median(
    values: Sequence[float], window: int, fresh: Sequence[bool] | None = None
) -> list[float]:
    """Median of each value and the ``window - 1`` before it; the window starts afresh where
    ``fresh[i]`` is True (after a gap in the data), so it never mixes two segments."""
    out: list[float] = []
    first = 0
    middle = window // 2 if window % 2 else -1
    for i in range(len(values)):
        if fresh is not None and fresh[i]:
            first = i
        lo = i - window + 1
        if lo >= first and middle >= 0:  # a full window of odd size: the middle value
            out.append(sorted(values[lo : i + 1])[middle])
        else:
            out.append(median(values[max(first, lo) : i + 1]))
    return out


def std_dev(values: Sequence[float]) -> float:
    """Population standard deviation (0 for fewer than two values)."""
    size = len(values)
    if size < 2:
        return 0.0
    mean = sum(values) / size
    return math.sqrt(sum((v - mean) ** 2 for v in values) / size)
