"""Geography of the demo fleet: a few US freight towns and bent routes between them."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final

EARTH_RADIUS_MI: Final = 3958.8
MILES_PER_DEG_LAT: Final = 69.05


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float


CITIES: Final[tuple[Place, ...]] = (
    Place("Dallas TX", 32.78, -96.80),
    Place("Houston TX", 29.76, -95.37),
    Place("San Antonio TX", 29.42, -98.49),
    Place("Austin TX", 30.27, -97.74),
    Place("Oklahoma City OK", 35.47, -97.52),
    Place("Tulsa OK", 36.15, -95.99),
    Place("Little Rock AR", 34.75, -92.29),
    Place("Memphis TN", 35.15, -90.05),
    Place("Shreveport LA", 32.52, -93.75),
    Place("Amarillo TX", 35.22, -101.83),
    Place("Kansas City MO", 39.10, -94.58),
    Place("St. Louis MO", 38.63, -90.20),
    Place("Nashville TN", 36.16, -86.78),
    Place("Atlanta GA", 33.75, -84.39),
    Place("Birmingham AL", 33.52, -86.80),
    Place("Louisville KY", 38.25, -85.76),
    Place("Indianapolis IN", 39.77, -86.16),
    Place("Columbus OH", 39.96, -82.99),
    Place("Cincinnati OH", 39.10, -84.51),
    Place("Cleveland OH", 41.50, -81.69),
    Place("Pittsburgh PA", 40.44, -79.99),
    Place("Detroit MI", 42.33, -83.05),
    Place("Chicago IL", 41.88, -87.63),
    Place("Charlotte NC", 35.23, -80.84),
    Place("Harrisburg PA", 40.27, -76.88),
    Place("Richmond VA", 37.54, -77.44),
    Place("Denver CO", 39.74, -104.99),
    Place("Albuquerque NM", 35.08, -106.65),
    Place("Salt Lake City UT", 40.76, -111.89),
    Place("Cheyenne WY", 41.14, -104.82),
    Place("Omaha NE", 41.26, -95.93),
    Place("Wichita KS", 37.69, -97.34),
    Place("El Paso TX", 31.76, -106.49),
    Place("Pueblo CO", 38.25, -104.61),
    Place("Grand Junction CO", 39.06, -108.55),
    Place("Billings MT", 45.78, -108.50),
    Place("Rapid City SD", 44.08, -103.23),
)


def haversine_mi(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    """Great-circle distance in miles."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dp, dl = p1 - p0, math.radians(lon1 - lon0)
    h = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MI * math.asin(min(1.0, math.sqrt(h)))


def offset(lat: float, lon: float, miles: float, bearing_rad: float) -> tuple[float, float]:
    """The point ``miles`` away on a bearing (flat-earth approximation, fine below ~300 mi)."""
    dlat = miles * math.cos(bearing_rad) / MILES_PER_DEG_LAT
    dlon = miles * math.sin(bearing_rad) / (MILES_PER_DEG_LAT * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


@dataclass(frozen=True, slots=True)
class Route:
    """A road from A to B bent through one via point; positions are linear along each leg."""

    lat0: float
    lon0: float
    latv: float
    lonv: float
    lat1: float
    lon1: float
    split: float  # share of the length on the first leg
    length_mi: float

    def at(self, fraction: float) -> tuple[float, float]:
        f = min(1.0, max(0.0, fraction))
        if f <= self.split:
            g = f / self.split if self.split > 0 else 1.0
            return self.lat0 + (self.latv - self.lat0) * g, self.lon0 + (self.lonv - self.lon0) * g
        g = (f - self.split) / (1.0 - self.split)
        return self.latv + (self.lat1 - self.latv) * g, self.lonv + (self.lon1 - self.lonv) * g


def make_route(
    rng: random.Random,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    road_factor: float,
    bend: float = 0.1,
) -> Route:
    """A plausible road: the straight line bent sideways by up to ``bend`` of its length."""
    (lat0, lon0), (lat1, lon1) = start, end
    straight = haversine_mi(lat0, lon0, lat1, lon1)
    mid_lat, mid_lon = (lat0 + lat1) / 2, (lon0 + lon1) / 2
    if straight < 0.05:
        latv, lonv = mid_lat, mid_lon
    else:
        dy = (lat1 - lat0) * MILES_PER_DEG_LAT
        dx = (lon1 - lon0) * MILES_PER_DEG_LAT * math.cos(math.radians(mid_lat))
        bearing = math.atan2(dx, dy) + math.pi / 2
        latv, lonv = offset(mid_lat, mid_lon, straight * rng.uniform(-bend, bend), bearing)
    leg0 = haversine_mi(lat0, lon0, latv, lonv)
    leg1 = haversine_mi(latv, lonv, lat1, lon1)
    total = leg0 + leg1
    split = leg0 / total if total > 0 else 0.5
    return Route(lat0, lon0, latv, lonv, lat1, lon1, split, max(0.2, total * road_factor))
