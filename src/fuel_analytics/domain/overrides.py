"""Threshold overrides by name, for any rules dataclass with a ``status`` field (the fuel and
the trip rules): the fleet's settings and a truck's ``thresholds`` replace fields by name."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import fields, replace
from functools import cache
from typing import Any, TypeVar

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.latest import StatusRules

R = TypeVar("R")


@cache
def _numeric_fields(cls: type) -> tuple[frozenset[str], frozenset[str]]:
    """(int fields, float fields) of a dataclass."""
    found = fields(cls)
    return (
        frozenset(f.name for f in found if f.type in ("int", int)),
        frozenset(f.name for f in found if f.type in ("float", float)),
    )


def whole_number(name: str, value: float) -> int:
    if value != int(value) or value < 0:
        raise InvalidField(name, "must be a whole number >= 0")
    return int(value)


def with_overrides(
    rules: R,
    overrides: Mapping[str, float],
    *,
    what: str,
    signed: Collection[str] = (),
    count: Callable[[str, float], int] = whole_number,
) -> R:
    """A copy of ``rules`` with fields replaced by name; :class:`StatusRules` number fields
    (``moving_above_mph``, ...) are accepted too. An unknown name, a non-number, a negative
    value where only a size makes sense (``signed`` names may be negative), or a count that
    ``count`` refuses raise :class:`InvalidField`."""
    if not overrides:
        return rules
    kind: type = type(rules)
    ints, floats = _numeric_fields(kind)
    _, status_floats = _numeric_fields(StatusRules)
    own: dict[str, Any] = {}
    status: dict[str, Any] = {}
    for name in sorted(overrides):
        value = number(name, overrides[name])
        if name in ints:
            own[name] = count(name, value)
        elif name in floats:
            if value < 0 and name not in signed:
                raise InvalidField(name, "must not be negative")
            own[name] = value
        elif name in status_floats:
            if value < 0:
                raise InvalidField(name, "must not be negative")
            status[name] = value
        else:
            raise InvalidField(name, f"is not a {what} threshold")
    if status:
        own["status"] = replace(rules.status, **status)  # type: ignore[attr-defined]
    return replace(rules, **own)  # type: ignore[type-var]


def number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidField(name, "must be a number")
    found = float(value)
    if not math.isfinite(found):
        raise InvalidField(name, "must be a finite number")
    return found
