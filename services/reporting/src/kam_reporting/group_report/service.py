import csv
import io

from sqlalchemy.ext.asyncio import AsyncSession

from kam_reporting.group_report import repository
from kam_reporting.group_report.schemas import GroupLine, GroupReport
from kam_reporting.tier_report.exceptions import MixedCurrencies

CSV_COLUMNS = (
    "head_id",
    "full_name",
    "branch",
    "tier",
    "members",
    "depth",
    "own_revenue_12m_minor",
    "revenue_12m_minor",
    "currency",
    "share_of_group",
)


async def group_report(session: AsyncSession, *, branch: str | None, unit: str | None, limit: int) -> GroupReport:
    rows, total = await repository.groups(session, branch=branch, unit=unit, limit=limit)
    currencies = sorted(set().union(*(row.currencies for row in rows)))
    if len(currencies) > 1:
        raise MixedCurrencies(currencies)
    return GroupReport(
        currency=currencies[0] if currencies else None,
        groups=[
            GroupLine(
                head_id=row.head_id,
                full_name=row.full_name,
                branch=row.branch,
                tier=row.tier,
                members=row.members,
                depth=row.depth,
                own_revenue_12m_minor=row.own_revenue_12m_minor,
                revenue_12m_minor=row.revenue_12m_minor,
                share_of_group=round(row.own_revenue_12m_minor / row.revenue_12m_minor, 4)
                if row.revenue_12m_minor
                else 0.0,
            )
            for row in rows
        ],
        total_groups=total,
    )


def to_csv(report: GroupReport) -> str:
    """One row per group; amounts stay integer minor units."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in report.groups:
        writer.writerow(
            (
                line.head_id,
                line.full_name or "",
                line.branch or "",
                line.tier,
                line.members,
                line.depth,
                line.own_revenue_12m_minor,
                line.revenue_12m_minor,
                report.currency or "",
                f"{line.share_of_group:.4f}",
            )
        )
    return out.getvalue()
