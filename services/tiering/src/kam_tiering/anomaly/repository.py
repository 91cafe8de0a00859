"""Anomaly queries, all in SQLAlchemy Core: each kind is one set-based query over the monthly revenue of every
customer, returning only the customers it finds."""

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, and_, case, exists, func, literal, literal_column, null, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kam_shared.clock import add_months
from kam_shared.security.scoping import within
from kam_tiering.anomaly.models import Anomaly
from kam_tiering.anomaly.policy import AnomalyPolicy
from kam_tiering.billing.models import MonthlyRevenue
from kam_tiering.customer.models import CustomerProfile
from kam_tiering.override.models import TierOverride
from kam_tiering.tier.models import TierState

anomalies = Anomaly.__table__
monthly = MonthlyRevenue.__table__
profiles = CustomerProfile.__table__
states = TierState.__table__
overrides = TierOverride.__table__


def customers(today: date):
    """Every registered customer with its branch and the tier that names its owner: an override in force wins."""
    return (
        select(
            profiles.c.customer_id,
            profiles.c.branch,
            func.coalesce(overrides.c.tier, states.c.tier, literal("standard")).label("tier"),
        )
        .select_from(
            profiles.outerjoin(states, states.c.customer_id == profiles.c.customer_id).outerjoin(
                overrides, and_(overrides.c.customer_id == profiles.c.customer_id, overrides.c.expires_on >= today)
            )
        )
        .subquery("customer")
    )


def sharp_drops(month: str, rules: AnomalyPolicy, today: date) -> Select:
    """Billing in both months, and this month's amount below the previous one by strictly more than the share.

    A month at zero is dormant, not a sharp drop."""
    who = customers(today)
    previous, current = monthly.alias("previous"), monthly.alias("current")
    return (
        select(
            who.c.customer_id,
            who.c.branch,
            who.c.tier,
            previous.c.amount_minor.label("previous_minor"),
            current.c.amount_minor.label("month_minor"),
        )
        .join(previous, and_(previous.c.customer_id == who.c.customer_id, previous.c.month == add_months(month, -1)))
        .join(current, and_(current.c.customer_id == who.c.customer_id, current.c.month == month))
        .where(
            previous.c.amount_minor > 0,
            current.c.amount_minor > 0,
            # Integers only: (previous - current) / previous > p %  <=>  100 (previous - current) > p previous.
            100 * (previous.c.amount_minor - current.c.amount_minor)
            > rules.sharp_drop_over_percent * previous.c.amount_minor,
        )
    )


def dormant(month: str, today: date) -> Select:
    """No billing this month, and billing in some month before: the last such month and its amount."""
    who = customers(today)
    last = (
        select(monthly.c.customer_id, func.max(monthly.c.month).label("last_billed_month"))
        .where(monthly.c.month < month, monthly.c.amount_minor > 0)
        .group_by(monthly.c.customer_id)
        .subquery("last")
    )
    billed = monthly.alias("billed")
    billed_now = exists().where(
        monthly.c.customer_id == who.c.customer_id, monthly.c.month == month, monthly.c.amount_minor > 0
    )
    return (
        select(
            who.c.customer_id,
            who.c.branch,
            who.c.tier,
            last.c.last_billed_month,
            billed.c.amount_minor.label("last_billed_minor"),
        )
        .join(last, last.c.customer_id == who.c.customer_id)
        .join(billed, and_(billed.c.customer_id == who.c.customer_id, billed.c.month == last.c.last_billed_month))
        .where(~billed_now)
    )


def quarter_changes(month: str, rules: AnomalyPolicy, today: date) -> Select:
    """For the quarter ending with `month` against the quarter before: each customer that swung by the share, and
    per branch the largest risers and fallers by change (ties: the lower customer id first).

    Quarters have three months each, so comparing quarter sums compares monthly averages."""
    who = customers(today)
    quarter_start, previous_end = add_months(month, -2), add_months(month, -3)
    sums = (
        select(
            monthly.c.customer_id,
            func.sum(case((monthly.c.month >= quarter_start, monthly.c.amount_minor), else_=0)).label("quarter_minor"),
            func.sum(case((monthly.c.month <= previous_end, monthly.c.amount_minor), else_=0)).label("previous_minor"),
        )
        .where(monthly.c.month >= add_months(month, -5), monthly.c.month <= month)
        .group_by(monthly.c.customer_id)
        .subquery("sums")
    )
    change = (sums.c.quarter_minor - sums.c.previous_minor).label("change_minor")
    ranked = (
        select(
            who.c.customer_id,
            who.c.branch,
            who.c.tier,
            sums.c.quarter_minor,
            sums.c.previous_minor,
            change,
            func.row_number()
            .over(partition_by=who.c.branch, order_by=(change.desc(), who.c.customer_id))
            .label("rise_rank"),
            func.row_number()
            .over(partition_by=who.c.branch, order_by=(change.asc(), who.c.customer_id))
            .label("fall_rank"),
        )
        .join(sums, sums.c.customer_id == who.c.customer_id)
        .subquery("ranked")
    )
    share = rules.quarterly_swing_percent
    return select(ranked).where(
        or_(
            and_(ranked.c.rise_rank <= rules.branch_top_risers, ranked.c.change_minor > 0),
            and_(ranked.c.fall_rank <= rules.branch_top_fallers, ranked.c.change_minor < 0),
            # A quarter with nothing before it has no base to compare against.
            and_(
                ranked.c.previous_minor > 0,
                or_(
                    100 * ranked.c.change_minor >= share * ranked.c.previous_minor,
                    100 * ranked.c.change_minor <= -share * ranked.c.previous_minor,
                ),
            ),
        )
    )


async def upsert(session: AsyncSession, rows: Sequence[dict]) -> list:
    """Stores anomalies found by a run; returns (customer_id, kind, revision, revised_run) of each.

    One found again with the same fingerprint keeps its revision; with another, or after being withdrawn, it
    gets the next revision and this run as the one that revised it."""
    if not rows:
        return []
    stmt = _insert(session)
    excluded = stmt.excluded
    # No bound parameter in SET (hence literal_column and null()): with one, SQLAlchemy runs an upsert with
    # RETURNING row by row instead of in multi-row batches.
    changed = or_(anomalies.c.fingerprint != excluded.fingerprint, anomalies.c.withdrawn_at.is_not(None))
    replaced = ("branch", "tier", "owner_role", "detail", "figures", "fingerprint", "policy_id", "policy_version")
    stmt = stmt.on_conflict_do_update(
        index_elements=["month", "customer_id", "kind"],
        set_={
            **{name: excluded[name] for name in replaced},
            "last_run": excluded.last_run,
            "revision": case((changed, anomalies.c.revision + literal_column("1")), else_=anomalies.c.revision),
            "revised_run": case((changed, excluded.revised_run), else_=anomalies.c.revised_run),
            "revised_at": case((changed, excluded.revised_at), else_=anomalies.c.revised_at),
            "withdrawn_at": null(),
        },
    ).returning(anomalies.c.customer_id, anomalies.c.kind, anomalies.c.revision, anomalies.c.revised_run)
    return list(await session.execute(stmt, list(rows)))


async def withdraw_unseen(session: AsyncSession, *, month: str, run: str, at: datetime) -> list:
    """Withdraws the anomalies of the month the run did not find again (the ledger no longer shows them) and
    returns them, each only the once it is withdrawn."""
    result = await session.execute(
        update(anomalies)
        .where(anomalies.c.month == month, anomalies.c.last_run != run, anomalies.c.withdrawn_at.is_(None))
        .values(withdrawn_at=at)
        .returning(
            anomalies.c.customer_id,
            anomalies.c.kind,
            anomalies.c.branch,
            anomalies.c.owner_role,
            anomalies.c.revision,
        )
    )
    return sorted(result, key=lambda row: (row.customer_id, row.kind))


async def page(
    session: AsyncSession,
    *,
    month: str,
    branch: str | None,
    kind: str | None,
    after: tuple[str, str] | None,
    limit: int,
    unit: str | None = None,
) -> list:
    """The month's anomalies; of `unit` and below, by the branch each was found in, when one is given."""
    query = select(anomalies).where(
        anomalies.c.month == month, anomalies.c.withdrawn_at.is_(None), within(anomalies.c.branch, unit)
    )
    if branch is not None:
        query = query.where(anomalies.c.branch == branch)
    if kind is not None:
        query = query.where(anomalies.c.kind == kind)
    if after is not None:
        query = query.where(tuple_(anomalies.c.customer_id, anomalies.c.kind) > tuple_(*after))
    query = query.order_by(anomalies.c.customer_id, anomalies.c.kind).limit(limit)
    return list(await session.execute(query))


def _insert(session: AsyncSession):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(anomalies)
    if dialect == "sqlite":
        return sqlite.insert(anomalies)
    raise NotImplementedError(f"no upsert for dialect {dialect}")
