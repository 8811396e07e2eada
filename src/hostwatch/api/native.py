"""hostwatch's own routes beyond vminfo's: the hosts the hub knows."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from hostwatch.api.deps import hub_of
from hostwatch.api.responses import json_response

router = APIRouter(tags=["native"])


@router.get("/api/v1/hosts", summary="Every host the hub knows, the local one first")
async def hosts(request: Request) -> Response:
    hub = hub_of(request)
    listing = []
    for state in hub.states():
        host = state.host
        listing.append({
            "id": host.id,
            "agent_id": host.agent_id,
            "name": host.name,
            "tags": host.tags,
            "local": host.local,
            "online": state.online(),
            "first_seen": host.first_seen,
            "last_seen": host.last_seen,
            "address": host.address,
            "version": host.version,
            "interval": host.interval,
            "health": state.health.score,
        })
    return json_response(request, {"hosts": listing})
