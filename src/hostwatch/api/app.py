"""The app factory: builds the ASGI app from settings and the hub it serves."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from importlib import resources

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from hostwatch import __version__
from hostwatch.agent.local import LocalAgent
from hostwatch.api import agents, glances, history, monitors, native, nezha, turbocore, vminfo
from hostwatch.api.fastpath import CachedDocuments
from hostwatch.api.openapi import install_openapi
from hostwatch.api.pulse import charts
from hostwatch.api.responses import ApiError, BodyCache, error_body
from hostwatch.auth.agent_tokens import AgentTokens
from hostwatch.auth.guard import TokenGuard
from hostwatch.auth.rate_limit import FailureLimiter
from hostwatch.auth.tokens import TokenVerifier
from hostwatch.config import Settings
from hostwatch.errors import ConfigError
from hostwatch.hub.agents import AgentGateway
from hostwatch.hub.hub import Hub
from hostwatch.monitors.service import MonitorService

logger = logging.getLogger(__name__)

_DOCS_ASSETS = "/docs-assets"


def _describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path"))
        problems.append(f"{location or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "invalid request"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return error_body(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, exc: RequestValidationError) -> Response:
        return error_body(400, "bad_request", _describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_body(exc.status_code, code, str(exc.detail))


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from the swagger-ui-bundle package: the docs need no CDN."""
    app.mount(_DOCS_ASSETS, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="hostwatch API",
            swagger_js_url=f"{_DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{_DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{_DOCS_ASSETS}/favicon-32x32.png",
        )


async def _save_host_activity(hub: Hub, every: float = 2.0) -> None:
    """Write hosts' last-seen times and sequence numbers to hub.sqlite every few seconds."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(hub.hosts.save_activity)
        except sqlite3.Error:
            logger.exception("could not save host activity; retrying")


class HostwatchApp(FastAPI):
    """FastAPI with agents' reports answered ahead of it (`AgentReports`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if agents.is_report(scope):
            await agents.AgentReports(self.state).respond(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, hub: Hub, local_agent: LocalAgent | None = None) -> FastAPI:
    """The hostwatch ASGI app for `hub`; with `local_agent`, it also watches this machine."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_save_host_activity(hub), name="host-activity")]
        if hub.store is not None:
            await asyncio.to_thread(hub.store.start)
        if local_agent is not None:
            # One collection before serving, so the API never answers "no data" for this host.
            await local_agent.collect_once()
            tasks.append(asyncio.create_task(local_agent.run(), name="local-agent"))
        await service_monitors.start()
        try:
            yield
        finally:
            await service_monitors.stop()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await asyncio.to_thread(hub.hosts.save_activity)
            if hub.store is not None:
                await asyncio.to_thread(hub.store.close)

    app = HostwatchApp(
        title="hostwatch",
        version=__version__,
        description="Self-hosted system monitoring hub: native (vminfo-shaped) API and live streams.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    bodies = BodyCache()
    app.state.hub = hub
    app.state.bodies = bodies
    app.state.settings = settings
    app.state.monitors = service_monitors = MonitorService.from_settings(settings, hub)
    app.state.agents = AgentGateway(hub, AgentTokens(hub.database) if hub.database else None, settings.token,
                                    monitors=service_monitors)
    app.state.agent_failures = FailureLimiter()
    _install_error_handlers(app)
    _install_docs(app)
    install_openapi(app)
    app.include_router(vminfo.router)
    app.include_router(native.router)
    app.include_router(agents.router)
    app.include_router(history.router)
    app.include_router(charts.router)
    glances.install(app, settings)
    app.include_router(turbocore.router)
    app.include_router(monitors.router)
    app.include_router(nezha.router)
    web_root = resources.files("hostwatch") / "web"
    app.mount("/", StaticFiles(directory=str(web_root), html=True), name="dashboard")

    app.add_middleware(CachedDocuments, hub=hub,
                       documents={**vminfo.FAST_BODIES, **glances.FAST_BODIES})
    if settings.cors_origins:
        if settings.token and "*" in settings.cors_origins:
            raise ConfigError("cors_origins may not be * in token mode")
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET"],
            allow_headers=["Authorization", "X-API-Token"],
            allow_credentials=bool(settings.token),
        )
    if settings.token:
        app.add_middleware(TokenGuard, verifier=TokenVerifier(settings.token))
    return app
