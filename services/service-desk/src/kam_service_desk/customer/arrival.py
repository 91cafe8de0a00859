import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kam_service_desk.customer import repository
from kam_shared.security.principal import unit_covers

# First probe soon, then back off: a registration usually arrives within tens of milliseconds.
FIRST_PROBE_S = 0.02
LONGEST_PROBE_S = 0.2


@dataclass(frozen=True, slots=True)
class RegistrationWait:
    """Waits a bounded time for a customer the registry has just registered to reach this service's replica.

    The desk learns customers through the bus, so a frontend that registers a customer and opens a ticket at
    once can be a little ahead of it. Each probe is a short read of its own, outside the request's transaction:
    on SQLite that transaction holds the write lock the consumer needs to store the registration."""

    sessions: async_sessionmaker[AsyncSession]
    within_s: float

    async def until_registered(self, customer_id: str, *, unit: str | None = None) -> bool:
        """Whether the customer arrived in time; with `unit`, only one of that unit counts (another unit's
        customer is waited for like an unknown one, so the answer takes as long)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.within_s
        pause = FIRST_PROBE_S
        while True:
            async with self.sessions() as session:
                customer = await repository.get_registered(session, customer_id)
                if customer is not None and (unit is None or unit_covers(unit, customer.branch)):
                    return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_PROBE_S)
