"""History on disk: every host's series in tiers of raw points and rollups.

`base.Store` is the interface and `sqlite.SqliteStore` the embedded
implementation; `factory.store_for` builds the one the settings ask for.
Nothing is imported here, so commands that never touch history stay light.
"""
