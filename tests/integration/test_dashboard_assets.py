"""The dashboard's files as the app serves them (no browser: tests/e2e drives Chromium).

`/` is the page, `/dashboard/*` its ES modules and stylesheet, shipped in the package; every
module a module imports is served; nothing here is in the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from fuel_analytics.entrypoints.container import build_container
from fuel_analytics.entrypoints.http.app import create_app
from fuel_analytics.entrypoints.http.dashboard import STATIC_DIR
from tests.integration.conftest import test_settings as settings_for

IMPORT = re.compile(r"""^\s*import\s[^"']*["']\./([\w.-]+)["']""", re.MULTILINE)


@pytest.fixture
async def bare() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        build_container(settings_for("sqlite+aiosqlite:///:memory:")), check_schema=False
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


async def test_the_root_serves_the_dashboard_page(bare: httpx.AsyncClient) -> None:
    response = await bare.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert '<script type="module" src="/dashboard/app.js"></script>' in response.text
    assert '<link rel="stylesheet" href="/dashboard/app.css">' in response.text


async def test_every_module_and_its_imports_are_served(bare: httpx.AsyncClient) -> None:
    modules = sorted(p.name for p in STATIC_DIR.glob("*.js"))
    assert "app.js" in modules
    for name in modules:
        response = await bare.get(f"/dashboard/{name}")
        assert response.status_code == 200, name
        assert "javascript" in response.headers["content-type"], name
        assert response.headers["cache-control"] == "no-cache"
        for imported in IMPORT.findall(response.text):
            assert (STATIC_DIR / imported).is_file(), f"{name} imports a missing ./{imported}"
    css = await bare.get("/dashboard/app.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_a_missing_asset_is_a_404_and_the_page_is_not_in_the_api_document(
    bare: httpx.AsyncClient,
) -> None:
    assert (await bare.get("/dashboard/nope.js")).status_code == 404
    assert (await bare.post("/")).status_code == 405
    paths = (await bare.get("/openapi.json")).json()["paths"]
    assert "/" not in paths
    assert not any(path.startswith("/dashboard") for path in paths)
