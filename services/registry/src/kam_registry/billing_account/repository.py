from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kam_registry.billing_account.models import BillingAccount, BillingAccountLink


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
