import csv
import io
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from kam_reporting.tier_report import repository
from kam_reporting.tier_report.exceptions import MixedCurrencies
from kam_reporting.tier_report.schemas import TierLine, TierReport, TierTotals
from kam_shared.events.catalog import TIERS

CSV_COLUMNS = ("tier", "customers", "revenue_12m_minor", "currency", "share_of_revenue", "as_of")


async def tier_report(session: AsyncSession, *, branch: str | None = None, unit: str | None = None) -> TierReport:
    groups = await repository.tier_groups(session, branch=branch, unit=unit)
    currencies = sorted({group.currency for group in groups if group.currency is not None})
    if len(currencies) > 1:
        raise MixedCurrencies(currencies)
    customers: Counter[str] = Counter()
    revenue: Counter[str] = Counter()
    for group in groups:
        customers[group.tier] += group.customers
        revenue[group.tier] += group.revenue_12m_minor
    total_revenue = sum(revenue.values())
    return TierReport(
        as_of=max((group.as_of for group in groups if group.as_of is not None), default=None),
        currency=currencies[0] if currencies else None,
        tiers=[
            TierLine(
                tier=tier,
                customers=customers[tier],
                revenue_12m_minor=revenue[tier],
                share_of_revenue=_share(revenue[tier], total_revenue),
            )
            for tier in TIERS
        ],
        totals=TierTotals(customers=sum(customers.values()), revenue_12m_minor=total_revenue),
    )


def to_csv(report: TierReport) -> str:
    """One row per tier and a closing `total` row; amounts stay integer minor units."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    as_of = report.as_of.isoformat() if report.as_of else ""
    currency = report.currency or ""
    for line in report.tiers:
        share = _written(line.share_of_revenue)
        writer.writerow((line.tier, line.customers, line.revenue_12m_minor, currency, share, as_of))
    totals = report.totals
    share = _written(1.0 if totals.revenue_12m_minor else 0.0)
    writer.writerow(("total", totals.customers, totals.revenue_12m_minor, currency, share, as_of))
    return out.getvalue()


def _written(share: float) -> str:
    """A share as every row of the CSV writes it: four decimal places (0.7500, 1.0000)."""
    return f"{share:.4f}"


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
