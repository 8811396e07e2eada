"""Glances' error shape, FastAPI's `{"detail": ...}`, kept apart from the native `{"error", ...}` one."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import msgspec
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response


class GlancesError(Exception):
    """A client error answered in Glances' shape, `{"detail": message}`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _detail(status: int, detail: Any) -> Response:
    return Response(msgspec.json.encode({"detail": detail}), status, media_type="application/json")


class GlancesRoute(APIRoute):
    """A route whose errors, validation included, come back in Glances' shape, not the native one."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except GlancesError as exc:
                return _detail(exc.status, exc.detail)
            except RequestValidationError as exc:
                return _detail(422, jsonable_encoder(exc.errors()))

        return handle
