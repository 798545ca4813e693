"""The OpenAPI 3.1 document, generated from the endpoint descriptors' pydantic models, and
an offline Swagger UI page (assets from the swagger-ui-bundle package, served by the app)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

import fuel_analytics
from fuel_analytics.domain.telemetry import TRUCK_ID_PATTERN
from fuel_analytics.entrypoints.http.endpoints import Endpoint
from fuel_analytics.entrypoints.http.problems import TITLES
from fuel_analytics.entrypoints.http.schemas import ProblemOut

REF = "#/components/schemas/{model}"
PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "truck_id": {"type": "string", "pattern": f"^{TRUCK_ID_PATTERN.pattern}$"},
    "sensor": {"type": "string", "pattern": "^[a-z_.]{1,48}$"},
}


# An API key in either header; an operation's scope is listed in its `security` entry.
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer fak_<key_id>_<secret>`",
    },
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
AUTH_ERRORS = (401, 403, 429)


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF, mode=mode, by_alias=True)  # type: ignore[arg-type]
        self.components.update(schema.pop("$defs", {}))
        name = model.__name__ if mode == "serialization" else f"{model.__name__}"
        self.components[name] = schema
        return {"$ref": REF.format(model=name)}

    def parameters(self, model: type[BaseModel]) -> list[dict[str, Any]]:
        schema = model.model_json_schema(ref_template=REF, by_alias=True)
        self.components.update(schema.pop("$defs", {}))
        required = set(schema.get("required", ()))
        params = []
        for name, prop in schema.get("properties", {}).items():
            description = prop.pop("description", None)
            options = prop.get("anyOf", [])
            if len(options) == 2 and {"type": "null"} in options:
                # an optional parameter is simply absent: document the value's own schema
                value = next(o for o in options if o != {"type": "null"})
                prop = {k: v for k, v in prop.items() if k != "anyOf"} | value
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if description:
                param["description"] = description
            params.append(param)
        return params


def _problem(schemas: _Schemas, status: int) -> dict[str, Any]:
    return {
        "description": TITLES.get(status, "Error"),
        "content": {
            "application/problem+json": {"schema": schemas.ref(ProblemOut, "serialization")}
        },
    }


def openapi_document(endpoints: Iterable[Endpoint]) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        op: dict[str, Any] = {
            "summary": ep.summary,
            "operationId": ep.handler.__name__,
            "tags": [ep.tag],
            "parameters": [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": PATH_SCHEMAS.get(name, {"type": "string"}),
                    "description": ep.path_params.get(name, name),
                }
                for name in ep.path_names
            ],
            "responses": {},
        }
        if ep.scope is None:
            op["security"] = []
            if ep.description:
                op["description"] = ep.description
        else:
            op["security"] = [{name: [str(ep.scope)]} for name in SECURITY_SCHEMES]
            needs = f"Needs an API key with the `{ep.scope}` scope."
            op["description"] = f"{ep.description}\n\n{needs}" if ep.description else needs
        if ep.query is not None:
            op["parameters"].extend(schemas.parameters(ep.query))
        if ep.body is not None:
            body_schema = schemas.ref(ep.body, "validation")
            op["requestBody"] = {
                "required": True,
                "content": {media: {"schema": body_schema} for media in ep.body_media},
            }
        if ep.response is not None:
            op["responses"][str(ep.status)] = {
                "description": "OK",
                "content": {
                    "application/json": {"schema": schemas.ref(ep.response, "serialization")}
                },
            }
        elif ep.produces is not None:
            op["responses"][str(ep.status)] = {
                "description": "a file, streamed",
                "content": {ep.produces: {"schema": {"type": "string", "format": "binary"}}},
            }
        else:
            op["responses"][str(ep.status)] = {"description": "OK"}
        for status, model in ep.other_responses.items():
            op["responses"][str(status)] = {
                "description": TITLES.get(status, "OK"),
                "content": {"application/json": {"schema": schemas.ref(model, "serialization")}},
            }
        auth_errors = AUTH_ERRORS if ep.scope is not None else ()
        for status in sorted({*ep.errors, *auth_errors, 500} - set(ep.other_responses)):
            op["responses"][str(status)] = _problem(schemas, status)
        paths.setdefault(ep.path, {})[ep.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fuel-analytics",
            "version": fuel_analytics.__version__,
            "description": "Fleet fuel analytics: telemetry, live sensors, fleet summary.",
        },
        "paths": paths,
        "components": {"schemas": schemas.components, "securitySchemes": SECURITY_SCHEMES},
    }


DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>fuel-analytics API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/docs-init.js"></script>
</body>
</html>
"""

DOCS_INIT_JS = """window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});
"""
