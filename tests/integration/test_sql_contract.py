from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.components import SqlComponentBuckets
from fuel_analytics.adapters.sqlalchemy.dirty import SqlDirtyDays
from fuel_analytics.adapters.sqlalchemy.fuel import SqlFuelResults
from fuel_analytics.adapters.sqlalchemy.readings import SqlReadings
from fuel_analytics.adapters.sqlalchemy.trips import SqlTripResults
from fuel_analytics.adapters.sqlalchemy.trucks import SqlTrucks
from tests.contract import Repos, RepositoryContract
from tests.fuel_contract import ComponentBucketsContract, FuelResultsContract
from tests.trip_contract import TripResultsContract


class TestSqlRepositories(RepositoryContract):
    @pytest.fixture
    def repos(self, db: AsyncEngine) -> Repos:
        readings = SqlReadings(db)
        return Repos(
            store=readings,
            history=readings,
            latest=readings,
            trucks=SqlTrucks(db),
            dirty=SqlDirtyDays(db),
        )


class TestSqlFuelResults(FuelResultsContract):
    @pytest.fixture
    def results(self, db: AsyncEngine) -> SqlFuelResults:
        return SqlFuelResults(db)


class TestSqlComponentBuckets(ComponentBucketsContract):
    @pytest.fixture
    def buckets(self, db: AsyncEngine) -> SqlComponentBuckets:
        return SqlComponentBuckets(db)


class TestSqlTripResults(TripResultsContract):
    @pytest.fixture
    def trip_results(self, db: AsyncEngine) -> SqlTripResults:
        return SqlTripResults(db)
