"""The Glances REST API v4 under `/api/4`: thin routes over the pure builders of this package.

Errors take Glances' own shape, FastAPI's `{"detail": ...}`: 400 for an unknown
plugin, 404 for an unknown field, key or process. Plugin values and their
encoded bodies are built at most once per host update (`BodyCache`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, FastAPI
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from hostwatch.api.deps import HostQuery, body_cache, hub_of, reported_state
from hostwatch.api.fastpath import BodyGetter
from hostwatch.api.glances import fields
from hostwatch.api.glances.errors import GlancesError, GlancesRoute
from hostwatch.api.glances.history import DEFAULT_HISTORY_SIZE, SERIES, history_of
from hostwatch.api.glances.limits import effective_limits
from hostwatch.api.glances.plugins import GLANCES_VERSION, PLUGINS, ports
from hostwatch.api.glances.processes import process_row
from hostwatch.api.glances.views import plugin_views
from hostwatch.api.responses import Body, json_response
from hostwatch.config import Settings
from hostwatch.errors import NoDataYetError, UnknownHostError
from hostwatch.hub.state import HostState
from hostwatch.monitors.service import MonitorService

router = APIRouter(prefix="/api/4", tags=["glances"], route_class=GlancesRoute)


def install(app: FastAPI, settings: Settings) -> None:
    """Check the `[glances.*]` limit overrides (ConfigError at start-up) and serve the routes."""
    app.state.glances_limits = effective_limits(settings.glances)
    app.include_router(router)


def _limits(connection: HTTPConnection) -> dict[str, dict[str, Any]]:
    limits: dict[str, dict[str, Any]] = connection.app.state.glances_limits
    return limits


async def glances_state(connection: HTTPConnection, host: HostQuery = None) -> HostState:
    """The host named by `?host=`, with Glances-shaped errors."""
    try:
        return reported_state(connection, host)
    except UnknownHostError:
        raise GlancesError(404, f"Unknown host {host}") from None
    except NoDataYetError as exc:
        raise GlancesError(404, f"No data yet: {exc}") from None


StateDep = Annotated[HostState, Depends(glances_state)]


def _plugin(plugin: str) -> str:
    if plugin not in PLUGINS:
        raise GlancesError(400, f"Unknown plugin {plugin} (available plugins: {list(PLUGINS)})")
    return plugin


def _monitors(connection: HTTPConnection) -> MonitorService | None:
    return getattr(connection.app.state, "monitors", None)


def _version(connection: HTTPConnection, state: HostState) -> tuple[int, int, int]:
    """What every cached Glances value depends on: the host's state, its events and its monitors."""
    engine = getattr(hub_of(connection), "alerts", None)
    monitors = _monitors(connection)
    return (state.version, engine.revision(state.host.id) if engine is not None else 0,
            monitors.revision(state.host.id) if monitors is not None else 0)


def _alert_events(connection: HTTPConnection, state: HostState) -> list[Any]:
    """The events engine's list for this host as plain values; [] while the hub has no engine."""
    engine = getattr(hub_of(connection), "alerts", None)
    return [] if engine is None else msgspec.to_builtins(engine.events(state.host.id))


def _value(connection: HTTPConnection, state: HostState, plugin: str) -> Any:
    """The plugin's current value, built once per update (and per change of the events)."""
    limits = _limits(connection)

    def build() -> Any:
        if plugin == "alert":
            return _alert_events(connection, state)
        if plugin == "ports":
            return ports(_monitors(connection), state)
        return PLUGINS[plugin](state, limits)

    return body_cache(connection).memo(state.host.id, _version(connection, state), f"glances:{plugin}", build)


def _body(connection: HTTPConnection, state: HostState, plugin: str) -> Body:
    return body_cache(connection).body(state.host.id, _version(connection, state), f"glances:{plugin}",
                                       lambda: _value(connection, state, plugin))


def _all_body(connection: HTTPConnection, state: HostState) -> Body:
    """`/all`, encoded once per update of the host or of its events."""
    return body_cache(connection).body(
        state.host.id, _version(connection, state), "glances:all",
        lambda: {name: _value(connection, state, name) for name in PLUGINS},
    )


def _plugin_body(plugin: str) -> BodyGetter:
    return lambda connection, state: _body(connection, state, plugin)


FAST_BODIES: dict[str, BodyGetter] = {
    "/api/4/all": _all_body,
    **{f"/api/4/{plugin}": _plugin_body(plugin) for plugin in PLUGINS},
}
"""What `CachedDocuments` serves ahead of the framework for this surface."""


def _field(connection: HTTPConnection, state: HostState, plugin: str, item: str) -> Any:
    """Glances' `{item: value}` for a dict plugin, `{item: [each row's value]}` for a list plugin."""
    value = _value(connection, state, plugin)
    if isinstance(value, dict) and item in value:
        return {item: value[item]}
    if isinstance(value, list):
        rows = [row for row in value if isinstance(row, dict)]
        if all(item in row for row in rows) and (rows or item in fields.FIELDS.get(plugin, {})):
            return {item: [row[item] for row in rows]}
    raise GlancesError(404, f"Cannot get item {item} in plugin {plugin}")


def _rows(connection: HTTPConnection, state: HostState, plugin: str, item: str) -> list[dict[str, Any]]:
    value = _value(connection, state, plugin)
    if not isinstance(value, list):
        raise GlancesError(404, f"Plugin {plugin} is not a list of items")
    rows = [row for row in value if isinstance(row, dict)]
    if rows and not all(item in row for row in rows):
        raise GlancesError(404, f"Cannot get item {item} in plugin {plugin}")
    return rows


def _matches(found: Any, wanted: str) -> bool:
    return found == wanted or str(found) == wanted


def _nb(nb: int) -> int:
    if nb < 0:
        raise GlancesError(400, f"nb must be 0 (everything) or more, got {nb}")
    return nb


# ---- fixed routes: status, events, processes, configuration, all ----------------------------

@router.api_route("/status", methods=["GET", "HEAD"], summary="API status")
async def status(request: Request) -> Response:
    """200 with the Glances version hostwatch answers as."""
    return json_response(request, {"version": GLANCES_VERSION})


async def _clear(request: Request, state: HostState, warnings_only: bool) -> Response:
    engine = getattr(hub_of(request), "alerts", None)
    if engine is not None:
        engine.clear(state.host.id, warnings_only=warnings_only)
    return json_response(request, True)


@router.post("/events/clear/warning", summary="Clear warning events")
async def clear_warning(request: Request, state: StateDep) -> Response:
    return await _clear(request, state, True)


@router.post("/events/clear/all", summary="Clear all events")
async def clear_all(request: Request, state: StateDep) -> Response:
    return await _clear(request, state, False)


def _process(state: HostState, pid: str) -> dict[str, Any]:
    """One `processlist` row; with the extended fields once the agent has gathered them."""
    if not pid.isdigit():
        raise GlancesError(400, f"Invalid PID {pid}")
    assert state.snapshot is not None
    processes = state.snapshot.processes
    for p in processes.items:
        if p.pid == int(pid):
            return process_row(p, processes.time_since_update)
    raise GlancesError(404, f"Unknown PID process {pid}")


@router.post("/processes/extended/disable", summary="Disable extended process stats")
async def extended_disable(request: Request, state: StateDep) -> Response:
    hub_of(request).extend_processes(state.host.id, frozenset())
    return json_response(request, True)


@router.post("/processes/extended/{pid}", summary="Extended stats for one process at a time")
async def extended_enable(request: Request, state: StateDep, pid: str) -> Response:
    """Ask the host's agent for the process's extended stats; they appear from its next sample."""
    _process(state, pid)
    hub_of(request).extend_processes(state.host.id, frozenset({int(pid)}))
    return json_response(request, True)


@router.get("/processes/extended", summary="The process with extended stats, if one is set")
async def extended_get(request: Request, state: StateDep) -> Response:
    pids = sorted(state.extended_pids)
    return json_response(request, _process(state, str(pids[0])) if pids else {})


@router.get("/processes/{pid}", summary="One process")
async def process(request: Request, state: StateDep, pid: str) -> Response:
    return json_response(request, _process(state, pid))


def _config(request: Request) -> dict[str, dict[str, str]]:
    """The effective limits as Glances' configuration file sections: plugin prefix dropped, strings."""
    sections: dict[str, dict[str, str]] = {}
    for plugin, limits in _limits(request).items():
        sections[plugin] = {
            key.removeprefix(f"{plugin}_"): ",".join(value) if isinstance(value, list) else f"{value:g}"
            for key, value in limits.items()
        }
    return sections


@router.get("/config", summary="Configuration (hostwatch's effective Glances limits)")
async def config(request: Request) -> Response:
    return json_response(request, _config(request))


@router.get("/config/{section}", summary="One configuration section")
async def config_section(request: Request, section: str) -> Response:
    sections = _config(request)
    if section not in sections:
        raise GlancesError(400, f"Unknown configuration item {section}")
    return json_response(request, sections[section])


@router.get("/config/{section}/{item}", summary="One configuration item")
async def config_item(request: Request, section: str, item: str) -> Response:
    values = _config(request).get(section, {})
    if item not in values:
        raise GlancesError(400, f"Unknown configuration item {section}/{item}")
    return json_response(request, values[item])


def _args(request: Request) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    return {"bind_address": settings.bind, "port": settings.port, "time": settings.interval,
            "webserver": True, "disable_webui": False}


@router.get("/args", summary="Command-line arguments, in Glances' names")
async def args(request: Request) -> Response:
    return json_response(request, _args(request))


@router.get("/args/{item}", summary="One command-line argument")
async def args_item(request: Request, item: str) -> Response:
    values = _args(request)
    if item not in values:
        raise GlancesError(400, f"Unknown argument item {item}")
    return json_response(request, values[item])


@router.get("/all", summary="Every plugin")
async def all_plugins(request: Request, state: StateDep) -> Response:
    return json_response(request, _all_body(request, state))


@router.get("/all/limits", summary="Every plugin's limits")
async def all_limits(request: Request) -> Response:
    return json_response(request, _limits(request))


@router.get("/all/views", summary="Every plugin's views")
async def all_views(request: Request, state: StateDep) -> Response:
    limits = _limits(request)
    return json_response(request, {name: plugin_views(name, _value(request, state, name), limits)
                                   for name in PLUGINS})


@router.get("/pluginslist", summary="Plugin names")
async def pluginslist(request: Request) -> Response:
    return json_response(request, list(PLUGINS))


@router.get("/serverslist", summary="Servers of the central browser (none)")
async def serverslist(request: Request) -> Response:
    return json_response(request, [])


# ---- per-plugin routes ------------------------------------------------------------------------

@router.get("/{plugin}", summary="One plugin")
async def plugin_value(request: Request, state: StateDep, plugin: str) -> Response:
    return json_response(request, _body(request, state, _plugin(plugin)))


async def _history(request: Request, state: HostState, plugin: str, nb: int) -> dict[str, Any]:
    plugin = _plugin(plugin)
    size = int(_limits(request).get(plugin, {}).get("history_size", DEFAULT_HISTORY_SIZE))
    return await history_of(hub_of(request).store, state, plugin, _nb(nb), size)


@router.get("/{plugin}/history", summary="A plugin's history")
async def history(request: Request, state: StateDep, plugin: str, nb: int = 0) -> Response:
    return json_response(request, await _history(request, state, plugin, nb))


@router.get("/{plugin}/history/{nb}", summary="A plugin's last nb history points")
async def history_nb(request: Request, state: StateDep, plugin: str, nb: int) -> Response:
    return json_response(request, await _history(request, state, plugin, nb))


@router.get("/{plugin}/top/{nb}", summary="A list plugin's first nb items")
async def top(request: Request, state: StateDep, plugin: str, nb: int) -> Response:
    value = _value(request, state, _plugin(plugin))
    if not isinstance(value, list):
        raise GlancesError(404, f"Plugin {plugin} is not a list of items")
    return json_response(request, value[:_nb(nb)] if nb else value)


@router.get("/{plugin}/limits", summary="A plugin's limits")
async def limits(request: Request, plugin: str) -> Response:
    return json_response(request, _limits(request).get(_plugin(plugin), {}))


@router.get("/{plugin}/views", summary="A plugin's views")
async def views(request: Request, state: StateDep, plugin: str) -> Response:
    value = _value(request, state, _plugin(plugin))
    return json_response(request, plugin_views(plugin, value, _limits(request)))


@router.get("/{plugin}/{item}", summary="One field of a plugin")
async def field(request: Request, state: StateDep, plugin: str, item: str) -> Response:
    return json_response(request, _field(request, state, _plugin(plugin), item))


def _views_of(request: Request, state: HostState, plugin: str) -> Mapping[str, Any]:
    return plugin_views(plugin, _value(request, state, _plugin(plugin)), _limits(request))


@router.get("/{plugin}/{item}/views", summary="The views of one field (or one row)")
async def field_views(request: Request, state: StateDep, plugin: str, item: str) -> Response:
    views_ = _views_of(request, state, plugin)
    if item not in views_:
        raise GlancesError(404, f"Cannot get views for {item} in plugin {plugin}")
    return json_response(request, views_[item])


async def _field_history(request: Request, state: HostState, plugin: str, item: str,
                         nb: int) -> dict[str, Any]:
    series = await _history(request, state, plugin, nb)
    if item not in series and not (plugin in SERIES and not state.history):
        raise GlancesError(404, f"Cannot get history for item {item} in plugin {plugin}")
    return {item: series.get(item, [])}


@router.get("/{plugin}/{item}/history", summary="One field's history")
async def field_history(request: Request, state: StateDep, plugin: str, item: str, nb: int = 0) -> Response:
    return json_response(request, await _field_history(request, state, plugin, item, nb))


@router.get("/{plugin}/{item}/history/{nb}", summary="One field's last nb history points")
async def field_history_nb(request: Request, state: StateDep, plugin: str, item: str, nb: int) -> Response:
    return json_response(request, await _field_history(request, state, plugin, item, nb))


@router.get("/{plugin}/{item}/description", summary="What a field means")
async def description(request: Request, plugin: str, item: str) -> Response:
    text = fields.description(_plugin(plugin), item)
    if text is None:
        raise GlancesError(404, f"Cannot get item {item} description in plugin {plugin}")
    return json_response(request, text)


@router.get("/{plugin}/{item}/unit", summary="A field's unit")
async def unit(request: Request, plugin: str, item: str) -> Response:
    name = fields.unit(_plugin(plugin), item)
    if name is None:
        raise GlancesError(404, f"Cannot get item {item} unit in plugin {plugin}")
    return json_response(request, name)


@router.get("/{plugin}/{item}/value/{value:path}", summary="The rows whose field equals a value")
async def rows_by_value(request: Request, state: StateDep, plugin: str, item: str, value: str) -> Response:
    rows = _rows(request, state, _plugin(plugin), item)
    return json_response(request, {value: [row for row in rows if _matches(row.get(item), value)]})


@router.get("/{plugin}/{item}/{key}", summary="One field of the row with a key value")
async def field_of_row(request: Request, state: StateDep, plugin: str, item: str, key: str) -> Response:
    rows = _rows(request, state, _plugin(plugin), item)
    for row in rows:
        if "key" in row and _matches(row.get(row["key"]), key):
            return json_response(request, {item: row.get(item)})
    raise GlancesError(404, f"Cannot get item {item} for key {key} in plugin {plugin}")


@router.get("/{plugin}/{item}/{key}/views", summary="The view of one field of one row")
async def row_field_views(request: Request, state: StateDep, plugin: str, item: str, key: str) -> Response:
    row_views = _views_of(request, state, plugin).get(item)
    if not isinstance(row_views, dict) or key not in row_views:
        raise GlancesError(404, f"Cannot get views for {item}/{key} in plugin {plugin}")
    return json_response(request, row_views[key])
