"""What tiering listens to, in one table: event type -> handler."""

from functools import partial

from kam_shared.events.catalog import (
    BillingAccountClosed,
    BillingAccountLinked,
    BillingPosted,
    CustomerGroupChanged,
    CustomerRegistered,
    CustomerUpdated,
    Topics,
)
from kam_shared.messaging.consumer import Handler, Subscription
from kam_tiering.billing import handlers as billing
from kam_tiering.customer import handlers as customers
from kam_tiering.group import handlers as groups
from kam_tiering.tier.policy import Policy


def subscriptions(policy: Policy) -> tuple[Subscription, ...]:
    handlers: dict[str, Handler] = {
        CustomerRegistered.TYPE: partial(customers.on_customer_registered, policy=policy),
        CustomerUpdated.TYPE: partial(customers.on_customer_updated, policy=policy),
        BillingAccountLinked.TYPE: partial(billing.on_billing_account_linked, policy=policy),
        BillingAccountClosed.TYPE: partial(billing.on_billing_account_closed, policy=policy),
        BillingPosted.TYPE: partial(billing.on_billing_posted, policy=policy),
        CustomerGroupChanged.TYPE: groups.on_group_changed,
    }
    return (Subscription(consumer="tiering", topics=(Topics.REGISTRY, Topics.BILLING), handlers=handlers),)
