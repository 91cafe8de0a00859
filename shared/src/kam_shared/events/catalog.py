"""The one contract between the services: every event's wire name, topic, schema version and data.

The shared types and the base model are in kam_shared.events.base, the service desk's events in
kam_shared.events.tickets; all are named here, where every service imports them from."""

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from kam_shared.events.base import (
    FIRST_BUSINESS_YEAR,
    LAST_BUSINESS_YEAR,
    TIERS,
    AccountNo,
    BusinessDate,
    Channel,
    Event,
    TicketType,
    Tier,
    Topics,
)
from kam_shared.events.tickets import (
    EscalationReason,
    SlaTarget,
    TicketClosed,
    TicketEscalated,
    TicketOpened,
    TicketResolved,
    TicketSlaBreached,
    TicketSlaWarned,
)
from kam_shared.validation import NO_CONTROL_CHARACTERS


class CustomerProfile(Event):
    """What the other services replicate of a registry customer: the same fields at registration and after a change."""

    customer_id: str
    full_name: str
    short_name: str | None = None
    uscc: str | None = None
    industry: str | None = None
    branch: str
    county: str | None = None
    important: bool = False
    potential: bool = False
    agreement_signed_on: date | None = None
    agreement_expires_on: date | None = None


class CustomerRegistered(CustomerProfile):
    TYPE = "customer.registered"
    TOPIC = Topics.REGISTRY

    registered_at: AwareDatetime
    # Per-customer sequence of the registry's changes: registration is 1, each customer.updated one more.
    # A replica applies a profile only when its sequence is higher than the one it holds.
    sequence: int = Field(default=1, ge=1)


class CustomerUpdated(CustomerProfile):
    """A change of a customer's master data: the whole profile after it, and which fields changed."""

    TYPE = "customer.updated"
    TOPIC = Topics.REGISTRY

    changed: list[str] = Field(
        description="names of the fields this change altered, the profile's or others of the master data"
    )
    sequence: int = Field(ge=2)
    updated_at: AwareDatetime


class BillingAccountLinked(Event):
    TYPE = "billing_account.linked"
    TOPIC = Topics.REGISTRY

    customer_id: str
    account_no: AccountNo
    effective_from: date
    previous_customer_id: str | None = None
    linked_at: AwareDatetime


class BillingAccountClosed(Event):
    """A move-out: from `effective_to` on, the account is held by nobody until it is linked again."""

    TYPE = "billing_account.closed"
    TOPIC = Topics.REGISTRY

    customer_id: str
    account_no: AccountNo
    effective_to: date = Field(description="the first day the customer no longer holds the account")
    closed_at: AwareDatetime


class CustomerGroupChanged(Event):
    """A customer joined a group under a parent, moved to another, or left: group figures roll up along parents."""

    TYPE = "customer.group_changed"
    TOPIC = Topics.REGISTRY

    customer_id: str
    parent_id: str | None = Field(description="the parent customer now, or null when it stands alone")
    previous_parent_id: str | None = None
    changed_at: AwareDatetime


class StaffContact(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["phone", "mobile", "email", "fax", "wechat"]
    value: str


class StaffRegistered(Event):
    """A person of an org unit who can manage customers and handle escalations (level 0 service centre .. 3)."""

    TYPE = "staff.registered"
    TOPIC = Topics.REGISTRY

    staff_id: str
    name: str
    org_unit: str
    level: int = Field(ge=0, le=3)
    contacts: list[StaffContact] = []
    registered_at: AwareDatetime

    @property
    def subject(self) -> str | None:
        return f"staff:{self.staff_id}"


class StaffUpdated(Event):
    """A change of a staff member: the whole record after it, which fields changed, and whether they still serve.

    A staff member who has left (`active` false) keeps their history but is given no new customers or tickets."""

    TYPE = "staff.updated"
    TOPIC = Topics.REGISTRY

    staff_id: str
    name: str
    org_unit: str
    level: int = Field(ge=0, le=3)
    contacts: list[StaffContact] = []
    active: bool = True
    changed: list[str]
    # Per-staff sequence of the registry's changes: registration is 1, each staff.updated one more.
    sequence: int = Field(ge=2)
    updated_at: AwareDatetime

    @property
    def subject(self) -> str | None:
        return f"staff:{self.staff_id}"


class ManagerAssigned(Event):
    """A customer's account managers after a change: A (primary) and B (backup), and who they were before."""

    TYPE = "manager.assigned"
    TOPIC = Topics.REGISTRY

    customer_id: str
    a: str | None = Field(description="staff id of manager A, or null")
    b: str | None = Field(description="staff id of manager B, or null")
    previous_a: str | None = None
    previous_b: str | None = None
    assigned_at: AwareDatetime


# One charge of a trillion yuan, or a billion items, is a mistake, not a customer.
MAX_AMOUNT_MINOR = 10**14
MAX_ITEMS = 10**9
# The partner's own id: printable (any script), never a control character.
BillingId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=128, pattern=NO_CONTROL_CHARACTERS)]


class BillingPosted(Event):
    TYPE = "billing.posted"
    TOPIC = Topics.BILLING

    # Bounds match the ledger's columns, so an event that validates can always be stored. Types are strict:
    # `true`, `"200"` or `100.0` are not amounts, and a number is not an id.
    billing_id: BillingId = Field(description="the partner's own id of this charge")
    customer_id: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=36)] | None = None
    account_no: AccountNo | None = None
    amount_minor: StrictInt = Field(
        ge=-MAX_AMOUNT_MINOR,
        le=MAX_AMOUNT_MINOR,
        description="integer minor units (fen); negative only for a correction",
    )
    currency: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")]
    business_line: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=50)]
    items: StrictInt = Field(default=0, ge=0, le=MAX_ITEMS)
    posted_on: BusinessDate
    corrects_billing_id: BillingId | None = Field(
        default=None, description="for a correction: the billing id of the charge it takes from"
    )

    @model_validator(mode="after")
    def _consistent(self) -> "BillingPosted":
        if self.account_no is None and self.customer_id is None:
            raise ValueError("give account_no or customer_id")
        if self.amount_minor < 0 and self.corrects_billing_id is None:
            raise ValueError("a negative amount is a correction and must name corrects_billing_id")
        if self.corrects_billing_id is not None and self.amount_minor >= 0:
            raise ValueError("a correction takes from its charge: its amount_minor must be negative")
        if self.corrects_billing_id is not None and self.corrects_billing_id == self.billing_id:
            raise ValueError("a correction cannot correct itself")
        return self

    @property
    def subject(self) -> str | None:
        return self.customer_id or (f"account:{self.account_no}" if self.account_no else None)


class TierReason(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    detail: str
    figures: dict[str, int | str] = {}


class TierChanged(Event):
    TYPE = "tier.changed"
    TOPIC = Topics.TIERING

    customer_id: str
    old_tier: Tier
    new_tier: Tier
    qualified: bool
    reasons: list[TierReason]
    revenue_12m_minor: int
    currency: str
    policy_id: str
    policy_version: int
    # Per-customer sequence of tiering's evaluations, shared with revenue.updated: a replica applies an
    # event only when its sequence is higher than the one it holds for that kind of fact.
    sequence: int
    changed_at: AwareDatetime


class RevenueUpdated(Event):
    TYPE = "revenue.updated"
    TOPIC = Topics.TIERING

    customer_id: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    month_amount_minor: int
    revenue_12m_minor: int
    currency: str
    as_of: date
    sequence: int


AnomalyKind = Literal["sharp_drop", "dormant", "quarterly_swing", "branch_top_riser", "branch_top_faller"]
ANOMALY_KINDS: tuple[AnomalyKind, ...] = (
    "sharp_drop",
    "dormant",
    "quarterly_swing",
    "branch_top_riser",
    "branch_top_faller",
)


class AnomalyDetected(Event):
    """A change in a customer's monthly revenue that its owner must follow up, found when a month is closed.

    Closing the month again recomputes: an anomaly whose figures changed is sent again with a higher revision;
    one that did not change is not sent again."""

    TYPE = "anomaly.detected"
    TOPIC = Topics.TIERING

    customer_id: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="the month closed")
    kind: AnomalyKind
    branch: str
    tier: Tier
    owner_role: str = Field(description="who follows it up, by tier (policy data): e.g. region_head, branch_manager")
    detail: str
    figures: dict[str, int | str]
    revision: int = Field(ge=1)
    policy_id: str
    policy_version: int
    detected_at: AwareDatetime


class AnomalyWithdrawn(Event):
    """An anomaly announced for a month that a later close of that month no longer finds (late billing or a
    correction changed the figures): its owner need not follow it up. Sent once; should the anomaly be found
    again, it is sent as `anomaly.detected` with a higher revision."""

    TYPE = "anomaly.withdrawn"
    TOPIC = Topics.TIERING

    customer_id: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="the month closed")
    kind: AnomalyKind
    branch: str
    owner_role: str
    revision: int = Field(ge=1, description="the revision of the anomaly withdrawn")
    policy_id: str
    policy_version: int
    withdrawn_at: AwareDatetime


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        CustomerRegistered,
        CustomerUpdated,
        BillingAccountLinked,
        BillingAccountClosed,
        CustomerGroupChanged,
        StaffRegistered,
        StaffUpdated,
        ManagerAssigned,
        BillingPosted,
        TierChanged,
        RevenueUpdated,
        AnomalyDetected,
        AnomalyWithdrawn,
        TicketOpened,
        TicketEscalated,
        TicketSlaWarned,
        TicketSlaBreached,
        TicketResolved,
        TicketClosed,
    )
}


def event_class(event_type: str) -> type[Event] | None:
    return EVENT_TYPES.get(event_type)


__all__ = [
    "ANOMALY_KINDS",
    "EVENT_TYPES",
    "FIRST_BUSINESS_YEAR",
    "LAST_BUSINESS_YEAR",
    "TIERS",
    "AccountNo",
    "AnomalyDetected",
    "AnomalyKind",
    "AnomalyWithdrawn",
    "Channel",
    "BillingAccountClosed",
    "BillingAccountLinked",
    "BillingPosted",
    "BusinessDate",
    "CustomerGroupChanged",
    "CustomerProfile",
    "CustomerRegistered",
    "CustomerUpdated",
    "Event",
    "ManagerAssigned",
    "RevenueUpdated",
    "StaffContact",
    "StaffRegistered",
    "StaffUpdated",
    "Tier",
    "TierChanged",
    "TierReason",
    "EscalationReason",
    "SlaTarget",
    "TicketClosed",
    "TicketEscalated",
    "TicketOpened",
    "TicketResolved",
    "TicketSlaBreached",
    "TicketSlaWarned",
    "TicketType",
    "Topics",
    "event_class",
]
