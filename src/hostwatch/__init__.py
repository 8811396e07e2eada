"""hostwatch: a self-hosted system-monitoring hub."""

__version__ = "0.1.0"
