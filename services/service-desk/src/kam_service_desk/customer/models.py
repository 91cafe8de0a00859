from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field

from kam_service_desk.tables import ServiceDeskModel
from kam_shared.db import UtcDateTime


class Customer(ServiceDeskModel, table=True):
    """The service desk's replica of a customer, fed by the registry's and tiering's events.

    A tier decision can arrive before the registration it follows (they travel on different topics). It is
    kept on a row whose registered_at is null: such a row only holds the decision for later and is not a
    customer the desk serves, until customer.registered (or a customer.updated that overtook it) fills it in."""

    __tablename__ = "customer"

    customer_id: str = Field(primary_key=True, max_length=36)
    full_name: str | None = Field(default=None, max_length=200)
    branch: str | None = Field(default=None, max_length=50, index=True)
    # The registry's per-customer sequence of the profile held (registration 1, each customer.updated one
    # more); None while the row only holds tier facts. An older or repeated profile changes nothing.
    profile_sequence: int | None = Field(default=None, sa_type=BigInteger)
    tier: str = Field(default="standard", max_length=20)
    # The sequence of the tier.changed applied last; None until one arrives.
    tier_sequence: int | None = None
    registered_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
