"""Trips, speeding events, driving behaviour, utilization and benchmarking."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from starlette.requests import Request
from starlette.responses import Response

from fuel_analytics.domain.auth import Scope
from fuel_analytics.entrypoints.http.auth import for_caller
from fuel_analytics.entrypoints.http.endpoints import Endpoint, json_response, parse_query
from fuel_analytics.entrypoints.http.problems import ProblemError
from fuel_analytics.entrypoints.http.routes.trucks import truck_id_from
from fuel_analytics.entrypoints.http.schemas import PeriodQuery
from fuel_analytics.entrypoints.http.trip_schemas import (
    BenchmarkOut,
    FleetBehaviourOut,
    FleetUtilizationOut,
    ScoreWithTripsOut,
    SpeedingEventOut,
    SpeedingEventsOut,
    TripOut,
    TripPageOut,
    TripsQuery,
    period_out,
    trip_cursor,
)
from fuel_analytics.services.trips import TripService

WHOLE_DAYS = (
    "Period [from, to) widened to whole UTC days (scores and utilization come from daily "
    "rollups): `to` defaults to now, `from` to 7 days before; at most 366 days."
)


@inject
async def truck_trips(request: Request, trips: TripService = Provide["trip_service"]) -> Response:
    trips = for_caller(trips, request)
    truck_id = truck_id_from(request)
    query = parse_query(TripsQuery, request)
    page = await trips.truck_trips(
        truck_id, query.from_, query.to, after=query.after(), limit=query.limit
    )
    return json_response(
        TripPageOut(
            truck_id=truck_id,
            period=period_out(page.period),
            items=[TripOut.from_domain(t) for t in page.trips],
            next_cursor=trip_cursor(page.trips[-1]) if page.more and page.trips else None,
        )
    )


@inject
async def one_trip(request: Request, trips: TripService = Provide["trip_service"]) -> Response:
    trips = for_caller(trips, request)
    trip_id = request.path_params["trip_id"]
    if len(trip_id) > 64:
        raise ProblemError(422, "trip_id: at most 64 characters", field="trip_id")
    return json_response(TripOut.from_domain(await trips.trip(trip_id)))


@inject
async def truck_speeding(
    request: Request, trips: TripService = Provide["trip_service"]
) -> Response:
    trips = for_caller(trips, request)
    truck_id = truck_id_from(request)
    query = parse_query(PeriodQuery, request)
    period, threshold, events = await trips.speeding(truck_id, query.from_, query.to)
    return json_response(
        SpeedingEventsOut(
            truck_id=truck_id,
            period=period_out(period),
            speeding_above_mph=threshold,
            items=[SpeedingEventOut.from_domain(e) for e in events],
        )
    )


@inject
async def fleet_behaviour(
    request: Request, trips: TripService = Provide["trip_service"]
) -> Response:
    trips = for_caller(trips, request)
    query = parse_query(PeriodQuery, request)
    found = await trips.fleet_behaviour(query.from_, query.to)
    return json_response(FleetBehaviourOut.from_domain(found))


def driver_id_from(request: Request) -> str:
    driver_id: str = request.path_params["driver_id"]
    if not 1 <= len(driver_id) <= 64 or not driver_id.isprintable():
        raise ProblemError(422, "driver_id: 1-64 printable characters", field="driver_id")
    return driver_id


@inject
async def driver_score(request: Request, trips: TripService = Provide["trip_service"]) -> Response:
    trips = for_caller(trips, request)
    driver_id = driver_id_from(request)
    query = parse_query(PeriodQuery, request)
    score = await trips.driver_score(driver_id, query.from_, query.to)
    return json_response(ScoreWithTripsOut.with_trips(score))


@inject
async def truck_score(request: Request, trips: TripService = Provide["trip_service"]) -> Response:
    trips = for_caller(trips, request)
    truck_id = truck_id_from(request)
    query = parse_query(PeriodQuery, request)
    score = await trips.truck_score(truck_id, query.from_, query.to)
    return json_response(ScoreWithTripsOut.with_trips(score))


@inject
async def fleet_utilization(
    request: Request, trips: TripService = Provide["trip_service"]
) -> Response:
    trips = for_caller(trips, request)
    query = parse_query(PeriodQuery, request)
    found = await trips.utilization(query.from_, query.to)
    return json_response(FleetUtilizationOut.from_domain(found))


@inject
async def truck_benchmark(
    request: Request, trips: TripService = Provide["trip_service"]
) -> Response:
    trips = for_caller(trips, request)
    truck_id = truck_id_from(request)
    query = parse_query(PeriodQuery, request)
    found = await trips.benchmark(truck_id, query.from_, query.to)
    return json_response(BenchmarkOut.from_domain(found, trips.rules.peer_year_window))


ENDPOINTS = [
    Endpoint(
        "GET", "/api/v2/trucks/{truck_id}/trips", truck_trips,
        "A truck's trips with their stops, distance, fuel, MPG, speeding and harsh events",
        "trips", response=TripPageOut, query=TripsQuery, errors=(404, 422, 503),
        description="Trips starting in the period, oldest first, cursor-paged. " + WHOLE_DAYS,
        scope=Scope.READ,
    ),
    Endpoint(
        "GET", "/api/v2/trips/{trip_id}", one_trip, "One trip by its id", "trips",
        response=TripOut, errors=(404, 422, 503),
        path_params={"trip_id": "TRUCK.<unix seconds of its start>, as the trips list gives"},
        scope=Scope.READ,
    ),
    Endpoint(
        "GET", "/api/v2/trucks/{truck_id}/speeding-events", truck_speeding,
        "Stretches above the speeding threshold: duration, max speed, place", "trips",
        response=SpeedingEventsOut, query=PeriodQuery, errors=(404, 422, 503),
        description="From the raw readings: the period is at most 31 days "
        "(`to` defaults to now, `from` to 7 days before).",
        scope=Scope.READ,
    ),
    Endpoint(
        "GET", "/api/v2/trucks/{truck_id}/score", truck_score,
        "A truck's driving-behaviour score, its four parts and the trips behind it", "trips",
        response=ScoreWithTripsOut, query=PeriodQuery, errors=(404, 422, 503),
        description="Idle over the whole period. " + WHOLE_DAYS,
        scope=Scope.READ,
    ),
    Endpoint(
        "GET", "/api/v2/drivers/{driver_id}/score", driver_score,
        "A driver's driving-behaviour score, its four parts and the trips behind it",
        "trips", response=ScoreWithTripsOut, query=PeriodQuery, errors=(404, 422, 503),
        description="MPG against the distance-weighted baseline of the trucks driven; idle "
        "within the driver's trips. 404 for a driver no trip names. " + WHOLE_DAYS,
        scope=Scope.READ,
    ),
    Endpoint(
        "GET", "/api/v2/fleet/driver-behavior", fleet_behaviour,
        "Driving-behaviour scores of every driver and truck, ranked best and worst",
        "fleet", response=FleetBehaviourOut, query=PeriodQuery, errors=(422, 503),
        description=WHOLE_DAYS,
        scope=Scope.READ,
    ),
    Endpoint(
        "GET", "/api/v2/fleet/utilization", fleet_utilization,
        "Engine-on and driving hours against available hours, per truck and fleet",
        "fleet", response=FleetUtilizationOut, query=PeriodQuery, errors=(422, 503),
        description="Available hours: FUEL_TRIP_THRESHOLDS available_hours_per_day and "
        "available_days_per_week (24/7 by default). " + WHOLE_DAYS,
        scope=Scope.READ,
    ),
    Endpoint(
        "GET", "/api/v2/trucks/{truck_id}/benchmark", truck_benchmark,
        "Percentile of MPG, idle and cost per mile in the truck's peer group", "trips",
        response=BenchmarkOut, query=PeriodQuery, errors=(404, 422, 503),
        description="Peers: same make and model, model years within ±3. " + WHOLE_DAYS,
        scope=Scope.READ,
    ),
]  # fmt: skip
