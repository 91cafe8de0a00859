"""Limits of this service's identifiers (what no service can store is refused by kam_shared.validation)."""

# A customer id as the registry issues them (a UUID) or as older data holds them: at most 36 characters.
CUSTOMER_ID_MAX = 36
