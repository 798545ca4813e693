from __future__ import annotations

import random
from datetime import timedelta

import pytest

from fuel_analytics.domain.errors import InvalidField
from fuel_analytics.domain.fuel.model import Source
from fuel_analytics.domain.model import Reading, TruckId
from fuel_analytics.domain.trips import TripRules, detect_trips, speeding_events
from tests.unit.trips import T0, TRUCK, Builder

RULES = TripRules()


def test_one_trip_with_a_short_stop_inside() -> None:
    b = Builder().phase(600, 0).phase(1800, 60).phase(300, 0).phase(1800, 60).phase(1200, 0)
    (trip,) = detect_trips(TRUCK, b.readings, RULES)
    assert trip.start == T0 + timedelta(seconds=600)
    assert trip.end == T0 + timedelta(seconds=600 + 1800 + 300 + 1800)
    assert trip.trip_id == f"T1.{int(trip.start.timestamp())}"
    assert trip.complete
    assert len(trip.stops) == 1
    assert trip.stops[0].duration_s == 300
    assert trip.distance_mi == pytest.approx(60.0, abs=0.6)
    assert trip.distance_source is Source.ODOMETER
    assert trip.fuel_source is Source.ECU_COUNTER
    assert trip.mpg == pytest.approx(6.5, rel=0.05)
    assert trip.driving_s == pytest.approx(3600, abs=60)
    assert trip.idle_s == pytest.approx(300)
    assert trip.max_speed_mph == 60
    assert trip.driver_id == "D1"
    assert (trip.start_lat, trip.start_lon) == (b.readings[9].lat, -80.0)


def test_a_stop_of_ten_minutes_ends_the_trip() -> None:
    b = Builder().phase(600, 0).phase(900, 50).phase(600, 0).phase(900, 50).phase(900, 0)
    trips = detect_trips(TRUCK, b.readings, RULES)
    assert len(trips) == 2
    assert all(t.complete and not t.stops for t in trips)
    assert trips[0].end < trips[1].start


def test_the_stop_threshold_is_a_setting() -> None:
    b = Builder().phase(600, 0).phase(900, 50).phase(600, 0).phase(900, 50).phase(900, 0)
    rules = RULES.with_overrides({"trip_end_stop_s": 900})
    (trip,) = detect_trips(TRUCK, b.readings, rules)
    assert len(trip.stops) == 1


def test_readings_ending_while_moving_or_in_a_short_stop_leave_the_trip_incomplete() -> None:
    moving = Builder().phase(600, 0).phase(900, 50)
    assert not detect_trips(TRUCK, moving.readings, RULES)[0].complete
    stopped = Builder().phase(600, 0).phase(900, 50).phase(300, 0)
    (trip,) = detect_trips(TRUCK, stopped.readings, RULES)
    assert not trip.complete
    assert trip.end == stopped.readings[25].ts


def test_a_long_gap_while_moving_breaks_the_trip_off() -> None:
    b = Builder().phase(600, 0).phase(900, 50).gap(3600).phase(900, 50).phase(900, 0)
    first, second = detect_trips(TRUCK, b.readings, RULES)
    assert not first.complete
    assert second.complete
    assert first.end < second.start


def test_no_speed_no_distance_no_fuel() -> None:
    rows = [
        Reading(TruckId("T1"), T0 + timedelta(minutes=i), speed_mph=40.0 if 2 < i < 8 else 0.0)
        for i in range(30)
    ]
    (trip,) = detect_trips(TRUCK, rows, RULES.with_overrides({"speed_integration_max_gap_s": 30}))
    assert trip.distance_mi is None
    assert trip.distance_source is Source.NONE
    assert trip.fuel_gal is None
    assert trip.mpg is None
    (trip,) = detect_trips(TRUCK, rows, RULES)
    assert trip.distance_source is Source.SPEED_INTEGRAL
    assert trip.distance_mi == pytest.approx(40 * 5 / 60, abs=0.001)  # trapezoids, 0 -> 40 -> 0


def test_order_of_input_never_matters() -> None:
    b = Builder().phase(600, 0).phase(1800, 72).phase(300, 0).phase(1800, 60).phase(1200, 0)
    shuffled = list(b.readings) + b.readings[:10]
    random.Random(3).shuffle(shuffled)
    assert detect_trips(TRUCK, shuffled, RULES) == detect_trips(TRUCK, b.readings, RULES)
    assert speeding_events(TRUCK, shuffled, RULES) == speeding_events(TRUCK, b.readings, RULES)


def test_speeding_is_interpolated_and_summed_into_the_trip() -> None:
    b = Builder().phase(600, 0).phase(600, 60).phase(600, 76).phase(600, 60).phase(900, 0)
    (event,) = speeding_events(TRUCK, b.readings, RULES)
    # 60 -> 76 crosses 68 half-way through a minute, both ways
    assert event.duration_s == pytest.approx(540 + 30 + 30)
    assert event.max_speed_mph == 76
    assert event.driver_id == "D1"
    assert event.lat is not None
    (trip,) = detect_trips(TRUCK, b.readings, RULES)
    assert trip.speeding_s == pytest.approx(event.duration_s)
    slower = RULES.with_overrides({"speeding_above_mph": 80})
    assert speeding_events(TRUCK, b.readings, slower) == []


def test_harsh_events_from_device_flags_count_once_per_run() -> None:
    b = Builder().phase(600, 0).phase(600, 50)
    for flag in (True, True, False, True):
        b.t += timedelta(seconds=60)
        b.emit(50, True, harsh_brake=flag, harsh_accel=False)
    b.phase(900, 0)
    (trip,) = detect_trips(TRUCK, b.readings, RULES)
    assert (trip.harsh_accel, trip.harsh_brake) == (0, 2)


def _second_by_second(speeds: list[float], step: float) -> list[Reading]:
    base = [0.0] * 10 + speeds + [0.0] * 700
    return [
        Reading(TruckId("T1"), T0 + timedelta(seconds=i * step), speed_mph=v)
        for i, v in enumerate(base)
    ]


def test_harsh_events_from_speed_deltas_only_on_dense_data() -> None:
    speeds = [10.0, 20.0, 30.0, 40.0, 50.0, 50.0, 50.0, 40.0, 30.0, 20.0, 10.0]
    speeds += [10.0] * 30 + [20.0, 40.0, 20.0] + [10.0] * 30
    (trip,) = detect_trips(TRUCK, _second_by_second(speeds, 1.0), RULES)
    # runs of >= 6 mph/s up: 0 -> 50 and 10 -> 40; of >= 8 mph/s down: 50 -> 10, 40 -> 20, 10 -> 0
    assert (trip.harsh_accel, trip.harsh_brake) == (2, 3)
    (trip,) = detect_trips(TRUCK, _second_by_second(speeds, 60.0), RULES)
    assert (trip.harsh_accel, trip.harsh_brake) == (0, 0)


def test_rules_reject_unknown_names_and_bad_weights() -> None:
    with pytest.raises(InvalidField):
        RULES.with_overrides({"nope": 1})
    with pytest.raises(InvalidField):
        RULES.with_overrides({"weight_mpg": 0.9})
    with pytest.raises(InvalidField):
        RULES.with_overrides({"trip_end_stop_s": -1})
    assert RULES.with_overrides({"moving_above_mph": 5}).status.moving_above_mph == 5


# -- distance without an odometer: the speed integral, apportioned by GPS ------------------


def _no_odometer_trip(
    *, jump_at: int | None = None, with_gps: bool = True
) -> tuple[list[Reading], float]:
    """A truck without an odometer, sampled every 100 s: it sets off 90 s into an interval,
    drives 39 min at 30 mph (the speedometer reads +-2.5 mph) on a road 1.25 x the straight
    line, and stops 10 s into an interval. Returns the readings and the true miles."""
    step, start, end = 100.0, 1090.0, 3410.0
    miles_per_s = 30.0 / 3600.0
    rows = []
    for k in range(60):
        t = k * step
        moving = start <= t < end
        driven = (min(max(t, start), end) - start) * miles_per_s
        rows.append(
            Reading(
                TruckId("T1"),
                T0 + timedelta(seconds=t),
                speed_mph=30.0 + (2.5 if k % 2 else -2.5) if moving else 0.0,
                rpm=1200.0 if moving else 650.0,
                fuel_rate_gph=30.0 / 6.5 if moving else 0.8,
                lat=(40.0 + driven / (69.05 * 1.25) + (1.0 if k == jump_at else 0.0))
                if with_gps
                else None,
                lon=-80.0 if with_gps else None,
            )
        )
    return rows, (end - start) * miles_per_s


def test_without_an_odometer_gps_places_the_start_and_the_stop() -> None:
    rows, truth = _no_odometer_trip()
    (trip,) = detect_trips(TRUCK, rows, RULES)
    assert trip.distance_source is Source.SPEED_INTEGRAL
    assert trip.distance_mi == pytest.approx(truth, rel=0.005)
    # the trapezoids alone put the start and the stop half-way into their intervals
    speed_only = RULES.with_overrides({"gps_calibration_min_mi": 1e9})
    (plain,) = detect_trips(TRUCK, rows, speed_only)
    assert plain.distance_mi is not None
    assert abs(plain.distance_mi - truth) > 0.03 * truth


def test_a_gps_jump_or_no_gps_leaves_the_speed_integral() -> None:
    rows, truth = _no_odometer_trip(jump_at=25)
    (trip,) = detect_trips(TRUCK, rows, RULES)
    assert trip.distance_mi == pytest.approx(truth, rel=0.005)  # the jump: speed only
    rows, truth = _no_odometer_trip(with_gps=False)
    (trip,) = detect_trips(TRUCK, rows, RULES)
    (plain,) = detect_trips(TRUCK, rows, RULES.with_overrides({"gps_calibration_min_mi": 1e9}))
    assert trip.distance_mi == plain.distance_mi


def test_an_implausible_road_factor_leaves_the_speed_integral() -> None:
    rows, _ = _no_odometer_trip()
    (trip,) = detect_trips(TRUCK, rows, RULES.with_overrides({"gps_road_factor_max": 1.2}))
    (plain,) = detect_trips(TRUCK, rows, RULES.with_overrides({"gps_calibration_min_mi": 1e9}))
    assert trip.distance_mi == plain.distance_mi
