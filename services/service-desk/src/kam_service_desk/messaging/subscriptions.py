"""Every event the service desk consumes, and the handler that applies it."""

from kam_service_desk.customer.handlers import on_customer_registered, on_customer_updated, on_tier_changed
from kam_service_desk.routing.handlers import on_manager_assigned, on_staff_registered, on_staff_updated
from kam_shared.events.catalog import (
    CustomerRegistered,
    CustomerUpdated,
    ManagerAssigned,
    StaffRegistered,
    StaffUpdated,
    TierChanged,
    Topics,
)
from kam_shared.messaging.consumer import Handler, Subscription

CONSUMER = "service-desk"

HANDLERS: dict[str, Handler] = {
    CustomerRegistered.TYPE: on_customer_registered,
    CustomerUpdated.TYPE: on_customer_updated,
    TierChanged.TYPE: on_tier_changed,
    StaffRegistered.TYPE: on_staff_registered,
    StaffUpdated.TYPE: on_staff_updated,
    ManagerAssigned.TYPE: on_manager_assigned,
}

SUBSCRIPTION = Subscription(consumer=CONSUMER, topics=(Topics.REGISTRY, Topics.TIERING), handlers=HANDLERS)
