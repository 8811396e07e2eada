"""Pulse's API (`../shared/reference/pulse-api.txt`), translated from the hub's state and history."""
