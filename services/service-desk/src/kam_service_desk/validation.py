"""Limits of this service's identifiers (what no service can store is refused by kam_shared.validation)."""

# Customer and ticket ids: at most 36 characters (a UUID), as their columns hold them.
ID_MAX = 36
