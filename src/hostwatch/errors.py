"""hostwatch's exception tree.

    HostwatchError
    ├── ConfigError        a setting or config file is invalid
    ├── UnsafeBindError    refusing to listen on a public address without auth
    ├── UnknownHostError   a host id or name the hub does not know
    ├── NoDataYetError     a known host that has not reported a snapshot yet
    └── StoreError         the history store cannot be opened or used
"""


class HostwatchError(Exception):
    """Base of every error hostwatch raises on purpose."""


class ConfigError(HostwatchError):
    """A setting, flag, environment variable or config file is invalid."""


class UnsafeBindError(HostwatchError):
    """`serve` was asked to listen beyond loopback with no token and no `--insecure`."""


class UnknownHostError(HostwatchError, LookupError):
    """A host id or name that the hub does not know."""


class NoDataYetError(HostwatchError, LookupError):
    """A host the hub knows but that has sent no snapshot yet."""


class StoreError(HostwatchError):
    """The history store is missing, busy (another process writes it) or unusable."""
