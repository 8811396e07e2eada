"""Collection of this machine's state into a canonical `Snapshot`, one module per source."""

from hostwatch.collect.collector import Collector, default_sources

__all__ = ["Collector", "default_sources"]
