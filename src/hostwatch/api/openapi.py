"""The OpenAPI document: FastAPI's routes, plus the WebSocket stream and the canonical model's schemas."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hostwatch.hub.health import Health
from hostwatch.model import Snapshot

_WS_DESCRIPTION = (
    "WebSocket stream of full dashboard snapshots (the `/api/v1/snapshot` document as JSON text "
    "frames): the latest one immediately after connecting, then each refreshed one as the host "
    "reports. In token mode the handshake must carry the token (query, cookie, `Authorization: "
    "Bearer` or `X-API-Token`) and, from a browser, come from the dashboard's own origin."
)


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` document `/ws` and publish the canonical schemas as components."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        schema["paths"]["/ws"] = {
            "get": {
                "tags": ["vminfo"],
                "summary": "Live snapshot stream (WebSocket)",
                "description": _WS_DESCRIPTION,
                "parameters": [{
                    "name": "host", "in": "query", "required": False,
                    "description": "Host id, name or agent id; the local host by default",
                    "schema": {"type": "string"},
                }],
                "responses": {"101": {"description": "Switching Protocols; JSON snapshot frames follow"}},
            }
        }
        _, components = msgspec.json.schema_components(
            [Snapshot, Health], ref_template="#/components/schemas/{name}"
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(components)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
