"""The Glances REST API v4 facade: Glances 4.5.8's routes and shapes, translated from the hub's state."""

from hostwatch.api.glances.router import FAST_BODIES, install, router

__all__ = ["FAST_BODIES", "install", "router"]
