"""Agents: the embedded local agent, and (later) the push client for remote hubs."""
