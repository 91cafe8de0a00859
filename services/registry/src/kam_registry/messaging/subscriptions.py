"""What the registry listens to, in one table: event type -> handler."""

from kam_registry.customer import handlers as customers
from kam_shared.events.catalog import TierChanged, Topics
from kam_shared.messaging.consumer import Handler, Subscription

HANDLERS: dict[str, Handler] = {
    TierChanged.TYPE: customers.on_tier_changed,
}

SUBSCRIPTIONS = (Subscription(consumer="registry", topics=(Topics.TIERING,), handlers=HANDLERS),)
