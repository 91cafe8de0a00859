"""Tier policies are data: shipped JSON files, versioned. The code below only reads and applies them."""

import json
from dataclasses import dataclass
from importlib import resources

from kam_shared.events.catalog import TIERS, Tier

TIER_RANK: dict[str, int] = {tier: len(TIERS) - index for index, tier in enumerate(TIERS)}


@dataclass(frozen=True, slots=True)
class Band:
    tier: Tier
    min_revenue_12m_minor: int


@dataclass(frozen=True, slots=True)
class Qualification:
    active_agreement: bool
    previous_year_min_minor: int | None
    current_month_min_minor: int | None
    trailing_12m_min_minor: int | None
    # Rule 4: among the top N customers with an active agreement in their county, by trailing 12-month revenue.
    top_agreement_customers_in_county: int | None
    important: bool
    # Seed 004 treats potential key accounts like important ones.
    potential: bool


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    version: int
    currency: str
    bands: tuple[Band, ...]
    qualification: Qualification
    demotion_after_months_below: int
    min_tier_when_qualified: Tier = "vip"

    @classmethod
    def from_document(cls, document: dict) -> "Policy":
        """Reads the sections this module knows; other sections (anomalies, RFM, ...) belong to their readers."""
        bands = tuple(
            sorted(
                (
                    Band(tier=band["tier"], min_revenue_12m_minor=int(band["min_revenue_12m_minor"]))
                    for band in document["bands"]
                ),
                key=lambda band: band.min_revenue_12m_minor,
                reverse=True,
            )
        )
        unknown = [band.tier for band in bands if band.tier not in TIER_RANK]
        if unknown:
            raise ValueError(f"policy {document['id']} names unknown tiers {unknown}")
        rule = document["qualification"]
        min_tier = document.get("min_tier_when_qualified", "vip")
        if min_tier not in TIER_RANK:
            raise ValueError(f"policy {document['id']} names unknown min_tier_when_qualified {min_tier!r}")
        demotion_after = int(document.get("demotion_after_months_below", 1))
        if demotion_after < 1:
            raise ValueError(f"policy {document['id']}: demotion_after_months_below must be at least 1")
        return cls(
            id=document["id"],
            version=int(document["version"]),
            currency=document["currency"],
            bands=bands,
            qualification=Qualification(
                active_agreement=bool(rule.get("active_agreement", False)),
                previous_year_min_minor=rule.get("previous_year_min_minor"),
                current_month_min_minor=rule.get("current_month_min_minor"),
                trailing_12m_min_minor=rule.get("trailing_12m_min_minor"),
                top_agreement_customers_in_county=rule.get("top_agreement_customers_in_county"),
                important=bool(rule.get("important", False)),
                potential=bool(rule.get("potential", False)),
            ),
            demotion_after_months_below=demotion_after,
            min_tier_when_qualified=min_tier,
        )


def load_shipped(policy_id: str) -> Policy:
    path = resources.files("kam_tiering.policies").joinpath(f"{policy_id}.json")
    if not path.is_file():
        raise ValueError(f"no shipped policy named {policy_id!r}")
    return Policy.from_document(json.loads(path.read_text(encoding="utf-8")))
