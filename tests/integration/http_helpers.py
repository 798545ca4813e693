"""Helpers shared by the HTTP tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

PROBLEM = "application/problem+json"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def assert_problem(response: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body
