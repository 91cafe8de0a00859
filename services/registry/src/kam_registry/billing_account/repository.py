from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.billing_account.models import BillingAccount, BillingAccountLink
from kam_registry.customer.models import Customer
from kam_shared.reads import Reads

_accounts, _customers = BillingAccount.__table__, Customer.__table__
# An account belongs to the branch of its holder; after a move-out, of its last holder.
_HOLDER_BRANCH = (
    select(_customers.c.branch)
    .join(_accounts, _accounts.c.customer_id == _customers.c.id)
    .where(_accounts.c.account_no == bindparam("account_no"))
)


async def holder_branch(reads: Reads, account_no: str) -> str | None:
    row = await reads.one(_HOLDER_BRANCH, account_no=account_no)
    return row["branch"] if row else None


async def get_for_update(session: AsyncSession, account_no: str) -> BillingAccount | None:
    return (
        await session.execute(select(BillingAccount).where(BillingAccount.account_no == account_no).with_for_update())
    ).scalar_one_or_none()


async def close_open_link(session: AsyncSession, account_no: str, effective_to) -> None:
    await session.execute(
        update(BillingAccountLink)
        .where(BillingAccountLink.account_no == account_no, BillingAccountLink.effective_to.is_(None))
        .values(effective_to=effective_to)
    )


async def add(session: AsyncSession, *rows: BillingAccount | BillingAccountLink) -> None:
    session.add_all(rows)
    await session.flush()


async def get(session: AsyncSession, account_no: str) -> BillingAccount | None:
    return await session.get(BillingAccount, account_no)


async def holdings_of_account(session: AsyncSession, account_no: str) -> list[BillingAccountLink]:
    query = (
        select(BillingAccountLink)
        .where(BillingAccountLink.account_no == account_no)
        .order_by(BillingAccountLink.effective_from, BillingAccountLink.id)
    )
    return list((await session.execute(query)).scalars())


async def holdings_of_customer(session: AsyncSession, customer_id: str) -> list[BillingAccountLink]:
    query = (
        select(BillingAccountLink)
        .where(BillingAccountLink.customer_id == customer_id)
        .order_by(BillingAccountLink.effective_from, BillingAccountLink.account_no, BillingAccountLink.id)
    )
    return list((await session.execute(query)).scalars())
