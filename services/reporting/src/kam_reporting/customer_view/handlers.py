"""Event handlers that keep customer_view current. The consumer loop owns the transaction; nothing here commits."""

from collections.abc import Iterable, Sequence
from typing import TypeVar, cast

from kam_reporting.customer_view import repository
from kam_shared.events.catalog import (
    CustomerGroupChanged,
    CustomerRegistered,
    CustomerUpdated,
    RevenueUpdated,
    TierChanged,
)
from kam_shared.events.envelope import Envelope
from kam_shared.messaging.consumer import HandlerContext

E = TypeVar("E")
Sequenced = TypeVar("Sequenced", bound=TierChanged | RevenueUpdated | CustomerRegistered | CustomerUpdated)


async def on_customer_registered(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    await _apply_profiles(ctx, _events(envelopes, CustomerRegistered))


async def on_customer_updated(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    await _apply_profiles(ctx, _events(envelopes, CustomerUpdated))


async def _apply_profiles(ctx: HandlerContext, events: Iterable[CustomerRegistered | CustomerUpdated]) -> None:
    now = ctx.clock.now()
    # A batch may hold two profiles of one customer; one statement may touch a row only once.
    await repository.apply_profiles(
        ctx.session,
        [
            {
                "customer_id": event.customer_id,
                "full_name": event.full_name,
                "branch": event.branch,
                "county": event.county,
                "industry": event.industry,
                "important": event.important,
                "potential": event.potential,
                "profile_sequence": event.sequence,
                "updated_at": now,
                "registered_at": event.registered_at if isinstance(event, CustomerRegistered) else event.updated_at,
                "registration": isinstance(event, CustomerRegistered),
            }
            for event in _newest(events)
        ],
    )


async def on_tier_changed(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    now = ctx.clock.now()
    await repository.apply_tier_changes(
        ctx.session,
        [
            {
                "customer_id": event.customer_id,
                "tier": event.new_tier,
                "qualified": event.qualified,
                "tier_sequence": event.sequence,
                "updated_at": now,
            }
            for event in _newest(_events(envelopes, TierChanged))
        ],
    )


async def on_revenue_updated(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    now = ctx.clock.now()
    await repository.apply_revenue_updates(
        ctx.session,
        [
            {
                "customer_id": event.customer_id,
                "revenue_12m_minor": event.revenue_12m_minor,
                "currency": event.currency,
                "revenue_as_of": event.as_of,
                "revenue_sequence": event.sequence,
                "updated_at": now,
            }
            for event in _newest(_events(envelopes, RevenueUpdated))
        ],
    )


async def on_group_changed(ctx: HandlerContext, envelopes: Sequence[Envelope]) -> None:
    now = ctx.clock.now()
    newest: dict[str, CustomerGroupChanged] = {}
    for event in _events(envelopes, CustomerGroupChanged):
        held = newest.get(event.customer_id)
        if held is None or event.changed_at >= held.changed_at:
            newest[event.customer_id] = event
    await repository.apply_group_changes(
        ctx.session,
        [
            {
                "customer_id": event.customer_id,
                "parent_id": event.parent_id,
                "group_changed_at": event.changed_at,
                "updated_at": now,
            }
            for event in newest.values()
        ],
    )


def _events(envelopes: Sequence[Envelope], kind: type[E]) -> list[E]:
    # The subscription routes by type, so every envelope here carries `kind`.
    return [cast(kind, envelope.data) for envelope in envelopes]


def _newest(events: Iterable[Sequenced]) -> list[Sequenced]:
    newest: dict[str, Sequenced] = {}
    for event in events:
        held = newest.get(event.customer_id)
        if held is None or event.sequence > held.sequence:
            newest[event.customer_id] = event
    return list(newest.values())
