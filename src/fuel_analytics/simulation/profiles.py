"""Who the demo trucks are: registry entries, duty cycles, habits and injected scenarios."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fuel_analytics.domain.model import CarrierId, Truck, TruckId
from fuel_analytics.simulation.geo import Place

HIGHWAY: Final = "highway"
REGIONAL: Final = "regional"
CITY: Final = "city"

# Scenario names carried in TruckTruth.scenarios.
HEALTHY: Final = "healthy"
THEFT: Final = "theft"
GLITCH: Final = "glitch"
FLAPPING: Final = "flapping_sensor"
DISCONNECT: Final = "sensor_disconnect"
SIPHONING: Final = "siphoning"
COOLANT: Final = "coolant_creep"
BATTERY: Final = "battery_weak"
OIL_PRESSURE: Final = "oil_pressure_fall"
DEF_LOW: Final = "def_low"
DTC: Final = "dtc"
STUCK: Final = "stuck_sensor"

FUEL_SCENARIOS: Final = (THEFT, GLITCH, FLAPPING, DISCONNECT, SIPHONING)
# Component scenarios come in pairs that do not disturb each other's evaluation.
COMPONENT_PAIRS: Final = ((COOLANT, DTC), (OIL_PRESSURE, DEF_LOW), (BATTERY, STUCK))


@dataclass(frozen=True, slots=True)
class Carrier:
    carrier_id: CarrierId
    home: Place
    utc_offset_hours: int  # standard time, no daylight saving


CARRIERS: Final = (
    Carrier(CarrierId("acme-freight"), Place("Dallas TX", 32.78, -96.80), -6),
    Carrier(CarrierId("blue-ridge-logistics"), Place("Columbus OH", 39.96, -82.99), -5),
    Carrier(CarrierId("front-range-transport"), Place("Denver CO", 39.74, -104.99), -7),
)

# make, model, world manufacturer identifier
CATALOG: Final = (
    ("Freightliner", "Cascadia", "1FU"),
    ("Kenworth", "T680", "1XK"),
    ("Peterbilt", "579", "1XP"),
    ("Volvo", "VNL 760", "4V4"),
    ("International", "LT625", "3HS"),
    ("Mack", "Anthem", "1M1"),
)


@dataclass(frozen=True, slots=True)
class TruckProfile:
    """Everything fixed about one simulated truck (cheap to rebuild from the seed)."""

    index: int
    truck: Truck
    duty: str
    scenarios: tuple[str, ...]
    utc_offset_hours: int
    home_lat: float
    home_lon: float
    mpg_factor: float  # true MPG / baseline MPG
    idle_habit: float  # 0..1: how readily the driver idles instead of shutting down
    reefer: bool
    cruise_mph: float
    speeding: float  # share of cruise segments driven above 68 mph
    harshness: float
    refuel_low: float  # refuel when the tank falls to low..high of capacity
    refuel_high: float
    has_fuel_counter: bool
    has_odometer: bool
    sleep_interval_s: tuple[int, int]  # reporting interval once parked and asleep
    level_noise_pct: float
    slosh_pct: float
    off_days: frozenset[int]  # local weekdays (Mon=0) the truck does not work
    shift_start_h: float
    drivers: tuple[str, ...]
    fuel_counter0: float
    idle_fuel_counter0: float
    odometer0: float
    engine_hours0: float
    idle_hours0: float
    def_ratio: float  # DEF used per gallon of diesel
    coolant_offset: float
    oil_temp_offset: float
    oil_pressure_base: float
    battery_run_v: float
    battery_rest_v: float
    ambient_mean_f: float
    ambient_amp_f: float

    @property
    def truck_id(self) -> TruckId:
        return self.truck.truck_id

    @property
    def capacity(self) -> float:
        return self.truck.tank_capacity_gal


_VIN_CHARS: Final = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES: Final = dict(
    zip("ABCDEFGHJKLMNPRSTUVWXYZ", map(int, "12345678123457923456789"), strict=True)
)
_VIN_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_YEAR_CODES: Final = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 2010, 2011, ...


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 check digit (position 9) of a 17-character VIN; position 9 is ignored."""
    total = sum(
        (int(c) if c.isdigit() else _VIN_VALUES[c]) * w
        for c, w in zip(vin[:8] + "0" + vin[9:], _VIN_WEIGHTS, strict=True)
    )
    return "X" if total % 11 == 10 else str(total % 11)


def make_vin(rng: random.Random, wmi: str, year: int) -> str:
    """A 17-character VIN with a valid check digit and model-year code."""
    vds = "".join(rng.choice(_VIN_CHARS[:23]) for _ in range(5))
    serial = "".join(rng.choice("0123456789") for _ in range(6))
    body = f"{wmi}{vds}0{_YEAR_CODES[(year - 2010) % 30]}{rng.choice('ABDLNPR')}{serial}"
    return body[:8] + vin_check_digit(body) + body[9:]


def assign_scenarios(trucks: int, seed: int, inject: bool) -> list[tuple[str, ...]]:
    """Which trucks carry which injected scenarios; a healthy majority stays untouched."""
    out: list[list[str]] = [[] for _ in range(trucks)]
    if not inject:
        return [(HEALTHY,) for _ in range(trucks)]
    rng = random.Random(f"{seed}/scenarios")
    order = list(range(trucks))
    rng.shuffle(order)
    counts = {
        THEFT: max(1, round(trucks * 0.12)),
        GLITCH: max(1, round(trucks * 0.04)),
        FLAPPING: max(1, round(trucks / 40)),
        DISCONNECT: max(1, round(trucks / 40)),
        SIPHONING: max(1, round(trucks / 30)),
    }
    cursor = 0
    for name in FUEL_SCENARIOS:
        for _ in range(counts[name]):
            if cursor < trucks:
                out[order[cursor]].append(name)
                cursor += 1
    pairs = max(1, round(trucks / 25))
    for pair in COMPONENT_PAIRS:
        for _ in range(pairs):
            if cursor < trucks:
                target = order[cursor]
                cursor += 1
            else:  # a small fleet: share a truck, but never weaken a theft truck's battery
                options = [i for i in order if not (BATTERY in pair and THEFT in out[i])]
                target = options[rng.randrange(len(options))] if options else order[0]
            out[target].extend(s for s in pair if s not in out[target])
    return [tuple(s) if s else (HEALTHY,) for s in out]


def _duties(trucks: int, rng: random.Random) -> list[str]:
    duties = [HIGHWAY, REGIONAL, CITY, HIGHWAY, REGIONAL, HIGHWAY, CITY, HIGHWAY, REGIONAL, CITY]
    out = [duties[i % len(duties)] for i in range(trucks)]
    rng.shuffle(out)
    return out


def build_profiles(trucks: int, seed: int, inject: bool) -> tuple[TruckProfile, ...]:
    fleet_rng = random.Random(f"{seed}/fleet")
    scenarios = assign_scenarios(trucks, seed, inject)
    duties = _duties(trucks, fleet_rng)
    # siphoning is a yard story: give the siphoned truck a regional or city duty when possible
    for i, names in enumerate(scenarios):
        if SIPHONING in names and duties[i] == HIGHWAY:
            swap = [j for j in range(trucks) if scenarios[j] == (HEALTHY,) and duties[j] != HIGHWAY]
            if swap:
                duties[i], duties[swap[0]] = duties[swap[0]], duties[i]
    carriers = CARRIERS[: 1 if trucks < 2 else 2 if trucks < 12 else 3]
    groups = max(1, min(len(CATALOG), round(trucks / 5)))
    catalog = list(CATALOG)
    fleet_rng.shuffle(catalog)
    centres = [fleet_rng.randint(2017, 2021) for _ in range(groups)]
    return tuple(
        _profile(
            i,
            seed,
            duties[i],
            scenarios[i],
            carriers[i % len(carriers)],
            catalog[i % groups],
            centres[i % groups],
        )
        for i in range(trucks)
    )


def _weighted(rng: random.Random, options: Sequence[tuple[float, float]]) -> float:
    values = [v for v, _ in options]
    weights = [w for _, w in options]
    return rng.choices(values, weights)[0]


def _profile(
    index: int,
    seed: int,
    duty: str,
    scenarios: tuple[str, ...],
    carrier: Carrier,
    spec: tuple[str, str, str],
    centre_year: int,
) -> TruckProfile:
    rng = random.Random(f"{seed}/{index}/profile")
    make, model, wmi = spec
    year = centre_year + rng.randint(-1, 2)
    base = {HIGHWAY: (6.7, 7.6), REGIONAL: (6.2, 7.0), CITY: (5.5, 6.3)}[duty]
    baseline = round(min(8.1, max(5.5, rng.uniform(*base) + 0.06 * (year - 2019))), 1)
    if duty == CITY:
        capacity = _weighted(rng, ((150.0, 0.35), (200.0, 0.65)))
    else:
        capacity = _weighted(rng, ((150.0, 0.05), (200.0, 0.65), (250.0, 0.18), (300.0, 0.12)))
    number = index + 1
    truck = Truck(
        truck_id=TruckId(f"TRK-{number:03d}"),
        carrier_id=carrier.carrier_id,
        vin=make_vin(rng, wmi, year),
        year=year,
        make=make,
        model=model,
        tank_capacity_gal=capacity,
        baseline_mpg=baseline,
        def_tank_gal=_weighted(rng, ((10.0, 0.1), (15.0, 0.7), (20.0, 0.15), (23.0, 0.05))),
    )
    age = max(1, 2025 - year)
    miles_per_year = {HIGHWAY: 115_000.0, REGIONAL: 85_000.0, CITY: 45_000.0}[duty]
    odometer0 = age * miles_per_year * rng.uniform(0.8, 1.15)
    engine_hours0 = odometer0 / rng.uniform(30.0, 45.0)
    idle_hours0 = engine_hours0 * rng.uniform(0.2, 0.4)
    idle_fuel0 = idle_hours0 * rng.uniform(0.7, 0.9)
    quiet_night = THEFT in scenarios or FLAPPING in scenarios or SIPHONING in scenarios
    sleep = (2400, 4200) if not quiet_night and rng.random() < 0.12 else (300, 900)
    off_days = {HIGHWAY: {rng.randrange(7)}, REGIONAL: {5, 6}, CITY: {6}}[duty]
    if duty == CITY and rng.random() < 0.4:
        off_days.add(5)
    if duty == HIGHWAY and rng.random() < 0.3:
        off_days = set()
    drivers: tuple[str, ...] = (f"DRV-{number:03d}",)
    if rng.random() < 0.25:
        drivers += (f"DRV-{number:03d}B",)
    speeding = rng.uniform(0.02, 0.35)
    # Speeding costs MPG (see duty.drive_route); the registry baseline is what this truck
    # really achieves in its duty, so the true MPG stays within about -2 %..+6 % of it.
    share = {HIGHWAY: speeding, REGIONAL: speeding / 2, CITY: 0.0}[duty]
    mpg_factor = rng.uniform(0.99, 1.05) / (1.0 - 0.09 * share)
    if SIPHONING in scenarios:  # keep the daily fuel balance of the siphoned truck honest
        mpg_factor = rng.uniform(0.99, 1.01) / (1.0 - 0.09 * share)
    return TruckProfile(
        index=index,
        truck=truck,
        duty=duty,
        scenarios=scenarios,
        utc_offset_hours=carrier.utc_offset_hours,
        home_lat=carrier.home.lat,
        home_lon=carrier.home.lon,
        mpg_factor=mpg_factor,
        idle_habit=rng.uniform(0.0, 1.0),
        reefer=rng.random() < 0.4,
        cruise_mph=rng.uniform(61.0, 66.0),
        speeding=speeding,
        harshness=rng.uniform(0.3, 2.0),
        refuel_low=0.15 + rng.uniform(0.0, 0.08),
        refuel_high=0.27 + rng.uniform(0.0, 0.08),
        has_fuel_counter=rng.random() < 0.7,
        has_odometer=index % 12 != 7,
        sleep_interval_s=sleep,
        level_noise_pct=rng.uniform(0.5, 1.5),
        slosh_pct=rng.uniform(0.5, 1.5),
        off_days=frozenset(off_days),
        shift_start_h=rng.uniform(4.5, 7.0),
        drivers=drivers,
        fuel_counter0=odometer0 / (baseline * rng.uniform(0.9, 1.0)),
        idle_fuel_counter0=idle_fuel0,
        odometer0=odometer0,
        engine_hours0=engine_hours0,
        idle_hours0=idle_hours0,
        def_ratio=rng.uniform(0.024, 0.032),
        coolant_offset=rng.uniform(0.0, 4.0),
        oil_temp_offset=rng.uniform(-4.0, 6.0),
        oil_pressure_base=rng.uniform(37.0, 42.0),
        battery_run_v=rng.uniform(13.85, 14.1),
        battery_rest_v=rng.uniform(12.6, 12.7),
        ambient_mean_f=78.0 - 0.8 * carrier.home.lat + rng.uniform(-2.0, 2.0),
        ambient_amp_f=rng.uniform(8.0, 13.0),
    )
