"""The refusals of case-record exports (codes listed in network/errors.py and docs/api.md)."""

from network.errors import DomainError


class RecordError(DomainError):
    """A refused export: `code` says what, `field` which input is to blame."""
