"""Every event the reporting service consumes and the handler that applies it: the one table to read."""

from kam_reporting.customer_view import handlers as customer_view
from kam_shared.events.catalog import (
    CustomerGroupChanged,
    CustomerRegistered,
    CustomerUpdated,
    RevenueUpdated,
    TierChanged,
    Topics,
)
from kam_shared.messaging.consumer import Subscription

REPORTING = Subscription(
    consumer="reporting",
    topics=(Topics.REGISTRY, Topics.TIERING, Topics.SERVICE_DESK),
    handlers={
        CustomerRegistered.TYPE: customer_view.on_customer_registered,
        CustomerUpdated.TYPE: customer_view.on_customer_updated,
        CustomerGroupChanged.TYPE: customer_view.on_group_changed,
        TierChanged.TYPE: customer_view.on_tier_changed,
        RevenueUpdated.TYPE: customer_view.on_revenue_updated,
    },
)

SUBSCRIPTIONS = (REPORTING,)
