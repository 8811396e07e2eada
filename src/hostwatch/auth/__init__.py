"""Authentication: the dashboard/API token, its cookie, and the guard that enforces it."""
