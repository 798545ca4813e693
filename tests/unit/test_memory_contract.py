from __future__ import annotations

import pytest

from fuel_analytics.adapters.memory.components import MemoryComponentBuckets
from fuel_analytics.adapters.memory.fuel import MemoryFuelResults
from fuel_analytics.adapters.memory.repositories import (
    MemoryDirtyDays,
    MemoryReadings,
    MemoryStore,
    MemoryTrucks,
)
from fuel_analytics.adapters.memory.trips import MemoryTripResults
from tests.contract import Repos, RepositoryContract
from tests.fuel_contract import ComponentBucketsContract, FuelResultsContract
from tests.trip_contract import TripResultsContract


class TestMemoryRepositories(RepositoryContract):
    @pytest.fixture
    def repos(self) -> Repos:
        store = MemoryStore()
        readings = MemoryReadings(store)
        return Repos(
            store=readings,
            history=readings,
            latest=readings,
            trucks=MemoryTrucks(store),
            dirty=MemoryDirtyDays(store),
        )


class TestMemoryFuelResults(FuelResultsContract):
    @pytest.fixture
    def results(self) -> MemoryFuelResults:
        return MemoryFuelResults()


class TestMemoryComponentBuckets(ComponentBucketsContract):
    @pytest.fixture
    def buckets(self) -> MemoryComponentBuckets:
        return MemoryComponentBuckets()


class TestMemoryTripResults(TripResultsContract):
    @pytest.fixture
    def trip_results(self) -> MemoryTripResults:
        return MemoryTripResults()
