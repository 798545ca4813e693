"""deploy/prometheus/alerts.yml: a well-formed Prometheus rule file whose expressions name only
metrics (and label values) that a real scrape of the service shows. promtool, when installed,
checks the file as Prometheus itself would."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from fuel_analytics.entrypoints.container import build_container
from fuel_analytics.entrypoints.http.app import create_app
from tests.integration.conftest import test_settings as settings_for

RULES = Path(__file__).parents[2] / "deploy" / "prometheus" / "alerts.yml"
RULE_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
SEVERITIES = {"critical", "warning", "info"}
# the alerts the operators asked for, by what they watch
REQUIRED = {
    "FuelDatabaseDown": "fuel_db_up",
    "FuelDbPoolSaturated": "fuel_db_pool_checked_out",
    "FuelHttpLatencyHigh": "fuel_http_request_duration_seconds_bucket",
    "FuelIngestionStalled": "fuel_ingest_rows_total",
    "FuelTheftSuspected": "fuel_fuel_events_total",
}

KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SELECTOR = re.compile(rf"({NAME})?\s*\{{([^}}]*)\}}")
MATCHER = re.compile(rf'\s*({NAME})\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")


def metric_names(expr: str) -> set[str]:
    """The metric names an expression reads: identifiers that are not functions, aggregations,
    keywords, label names in groupings, durations or strings."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    bare = re.sub(r"\{[^}]*\}", " ", bare)
    bare = re.sub(r"\[[^\]]*\]", " ", bare)
    bare = GROUPING.sub(" ", bare)
    names = set()
    for match in re.finditer(rf"(?<![\w:.]){NAME}", bare):
        name = match.group(0)
        if re.match(r"\s*\(", bare[match.end() :]) or name.lower() in KEYWORDS:
            continue  # a function or aggregation, or a keyword
        names.add(name)
    return names


def selectors(expr: str) -> list[tuple[str | None, list[tuple[str, str, str]]]]:
    found = []
    for match in SELECTOR.finditer(expr):
        body = match.group(2)
        matchers = MATCHER.findall(body)
        assert "".join(m.group(0) for m in MATCHER.finditer(body)).strip() == body.strip(), body
        found.append((match.group(1), matchers))
    return found


def load_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    assert set(document) == {"groups"}
    groups = document["groups"]
    assert isinstance(groups, list)
    assert groups
    rules: list[dict[str, Any]] = []
    names = set()
    for group in groups:
        assert set(group) <= {"name", "interval", "rules"}, group.keys()
        assert isinstance(group["name"], str)
        assert group["name"]
        assert group["name"] not in names
        names.add(group["name"])
        assert isinstance(group["rules"], list)
        assert group["rules"]
        rules += group["rules"]
    return rules


@pytest.fixture(scope="module")
async def scraped() -> dict[str, list[dict[str, str]]]:
    """Sample name -> the label sets it has, from a real scrape after a few requests."""
    app = create_app(
        build_container(settings_for("sqlite+aiosqlite:///:memory:")), check_schema=False
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        await http.get("/health")
        await http.get("/nowhere")
        response = await http.get("/metrics")
    assert response.status_code == 200
    samples: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(dict(sample.labels))
    return samples


def test_the_rule_file_is_well_formed() -> None:
    rules = load_rules()
    alerts = [rule["alert"] for rule in rules]
    assert len(alerts) == len(set(alerts))
    for rule in rules:
        assert set(rule) <= RULE_KEYS, rule.keys()
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule.get("alert")
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", rule["alert"])
        assert isinstance(rule["expr"], str)
        assert rule["expr"].strip()
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
        if "for" in rule:
            assert DURATION.match(str(rule["for"])), rule["for"]
        labels, annotations = rule["labels"], rule["annotations"]
        assert labels["severity"] in SEVERITIES
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items())
        assert {"summary", "description"} <= set(annotations)
        assert all(isinstance(v, str) and v.strip() for v in annotations.values())


def test_the_required_alerts_are_there_and_watch_the_right_metric() -> None:
    by_name = {rule["alert"]: rule for rule in load_rules()}
    for alert, metric in REQUIRED.items():
        assert alert in by_name, alert
        assert metric in metric_names(by_name[alert]["expr"]), alert


async def test_every_expression_reads_metrics_and_labels_the_service_exports(
    scraped: dict[str, list[dict[str, str]]],
) -> None:
    for rule in load_rules():
        expr = rule["expr"]
        names = metric_names(expr)
        assert names, rule["alert"]
        unknown = names - set(scraped)
        assert not unknown, (rule["alert"], unknown)
        for metric, matchers in selectors(expr):
            assert metric is not None, (rule["alert"], "a selector without a metric name")
            seen = scraped[metric]
            for label, op, value in matchers:
                values = {labels[label] for labels in seen if label in labels}
                assert values, (rule["alert"], metric, label)  # the label exists
                if op == "=":
                    assert value in values, (rule["alert"], metric, label, value)
                elif op == "=~" and re.fullmatch(r"\w+(\|\w+)*", value):
                    assert set(value.split("|")) <= values, (rule["alert"], label, value)


def test_the_expression_reader_finds_metrics_not_functions_or_labels() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le) (rate(a_bucket{route!~"/x/.*"}[5m])))'
        " > 0.5 and on (job) b_total offset 5m or max(c) == bool 0"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c"}
    assert selectors('x{kind=~"A|B", outcome="ok"}') == [
        ("x", [("kind", "=~", "A|B"), ("outcome", "=", "ok")])
    ]


def test_promtool_accepts_the_rule_file() -> None:
    """Prometheus's own checker (Debian's prometheus package; scripts/ensure-test-tools.sh,
    run by `make test`, installs it)."""
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool missing: run scripts/ensure-test-tools.sh"
    result = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(load_rules())} rules found" in result.stdout
