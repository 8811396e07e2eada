"""Alerting: threshold rules evaluated on every ingest, and the events they open and close.

Today the rules are Glances' limits and the events are served Glances-style at
`/api/4/alert`; per-host rules, hysteresis, durations and notifications grow
from the same engine (its transitions are what notifiers will subscribe to).
"""
