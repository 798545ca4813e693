"""A truck's ``/sensors`` document, encoded once per latest state and finished per request.

Everything in the document but its ages and the offline status is fixed by the truck and
its latest state, so it is encoded once (orjson, piece by piece) into a bytes template with
one ``%s`` slot per age; an answer is that template with the ages of the moment filled in:
one C-level formatting call. Under load a truck's answer was made again every few hundred
milliseconds (its ages must stay within the freshness bound), and making it as a dict was
the largest part of /sensors' CPU (py-spy under ``make bench``). tests/unit/test_fast_json.py
holds the result byte for byte equal to the documented model's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from operator import itemgetter

import orjson

from fuel_analytics.domain.latest import StatusRules, snapshot
from fuel_analytics.domain.model import LatestState, Truck, TruckStatus
from fuel_analytics.domain.telemetry import SPECS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_UTC_Z = orjson.OPT_UTC_Z


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (a datetime difference is exact to the
    microsecond; floats of seconds are not)."""
    return (moment - _EPOCH) // _MICROSECOND


def _object_head(document: Mapping[str, object]) -> bytes:
    """``document`` encoded without its closing brace, ready for one more member, its
    ``%`` signs doubled (the result is a %-format)."""
    return orjson.dumps(document, option=_UTC_Z)[:-1].replace(b"%", b"%%")


class SensorsAnswer:
    """The document of one truck and one latest state; :meth:`render` makes it for a moment.

    Kept while the truck and its state are the very objects the fleet state holds (the
    fleet state hands back the same objects until they change)."""

    __slots__ = ("_at", "_offline", "_offline_after", "_online", "_pick", "state", "truck")

    def __init__(self, truck: Truck, state: LatestState, rules: StatusRules) -> None:
        self.truck = truck
        self.state = state
        heard = snapshot(truck, state, now=state.ts, rules=rules)  # never offline at its own ts
        sensors = sorted(state.sensors.items())
        lat, lon = state.value("lat"), state.value("lon")
        location = None
        if lat is not None and lon is not None:
            location = {"lat": lat, "lon": lon, "ts": state.sensors["lat"].ts}
        middle = _object_head(
            {
                "fuel": {
                    "level_pct": state.value("fuel_level_pct"),
                    "gallons": heard.fuel_gal,
                    "tank_capacity_gal": truck.tank_capacity_gal,
                },
                "location": location,
            },
        )[1:]
        pieces = [b",", middle, b',"sensors":[']
        for index, (name, sensor) in enumerate(sensors):
            spec = SPECS.get(name)
            value = sensor.value
            member = {
                "name": name,
                "value": list(value) if isinstance(value, tuple) else value,
                "unit": spec.unit if spec else None,
                "ts": sensor.ts,
            }
            pieces += [b"," if index else b"", _object_head(member), b',"age_s":%s}']
        pieces.append(b"]}")
        rest = b"".join(pieces)

        def template(status: TruckStatus) -> bytes:
            head = {"truck_id": truck.truck_id, "status": status.value, "ts": state.ts}
            return _object_head(head) + b',"data_age_s":%s' + rest

        self._online = template(heard.status)
        self._offline = template(TruckStatus.OFFLINE)
        # each distinct timestamp once (a reading stamps all of its sensors alike), and which
        # of them fills each slot: the newest reading's (data_age_s), then each sensor's
        slots = (state.ts, *(sensor.ts for _, sensor in sensors))
        distinct = sorted(set(slots), reverse=True)  # the newest (state.ts) first
        self._at = tuple(micros(ts) for ts in distinct)
        picks = [distinct.index(ts) for ts in slots]
        self._pick = itemgetter(*picks) if len(picks) > 1 else lambda ages: (ages[0],)
        self._offline_after = rules.offline_after // _MICROSECOND

    def render(self, now: datetime) -> bytes:
        """The document as of ``now``: ages (rounded to the millisecond, never below 0)
        and OFFLINE once nothing was heard for longer than the rules allow."""
        now_us = micros(now)
        ages = [round(max(0.0, (now_us - at) / 1_000_000), 3) for at in self._at]
        template = self._offline if now_us - self._at[0] > self._offline_after else self._online
        # orjson writes the floats exactly as it would inside the document
        return template % self._pick(orjson.dumps(ages)[1:-1].split(b","))
