"""The old service's user mix, for locust (issue 7). `make locust` runs it headless.

    .venv/bin/locust -f bench/locustfile.py --headless -u 100 -r 10 -t 60s \
        --host http://127.0.0.1:8001 --csv bench/results/locust-u100

Weights: live sensors 10, fleet summary 5, truck fuel report 3, truck fuel events 2, fleet fuel
events 1, each user waiting ``LOCUST_WAIT_MIN``..``LOCUST_WAIT_MAX`` seconds (0.5..1.5) between
requests. Trucks are picked at random among ``LOCUST_TRUCKS`` (1000) ids
``{LOCUST_TRUCK_PREFIX}0001``.. (``FLT-``: the fleet `make bench` loads). With FUEL_AUTH=on, set
``FUEL_KEY`` to a read key; it is sent as a bearer token.

locust is not a test dependency (it is heavy): `make locust` installs it into the venv.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

TRUCKS = int(os.environ.get("LOCUST_TRUCKS", "1000"))
PREFIX = os.environ.get("LOCUST_TRUCK_PREFIX", "FLT-")
KEY = os.environ.get("FUEL_KEY", "")


def truck() -> str:
    return f"{PREFIX}{random.randint(1, TRUCKS):04d}"


class FleetUser(HttpUser):
    wait_time = between(
        float(os.environ.get("LOCUST_WAIT_MIN", "0.5")),
        float(os.environ.get("LOCUST_WAIT_MAX", "1.5")),
    )

    def on_start(self) -> None:
        if KEY:
            self.client.headers["Authorization"] = f"Bearer {KEY}"

    @task(10)
    def live_sensors(self) -> None:
        self.client.get(f"/api/v2/trucks/{truck()}/sensors", name="/api/v2/trucks/[id]/sensors")

    @task(5)
    def fleet_summary(self) -> None:
        self.client.get("/api/v2/fleet/summary")

    @task(3)
    def truck_fuel_report(self) -> None:
        self.client.get(f"/api/v2/trucks/{truck()}/fuel", name="/api/v2/trucks/[id]/fuel")

    @task(2)
    def truck_fuel_events(self) -> None:
        self.client.get(
            f"/api/v2/trucks/{truck()}/fuel-events", name="/api/v2/trucks/[id]/fuel-events"
        )

    @task(1)
    def fleet_fuel_events(self) -> None:
        self.client.get("/api/v2/fleet/fuel-events")
