"""The archive policy: a versioned data file, like the tier policy, never constants in code."""

import json
from datetime import datetime
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from kam_shared.events.catalog import Tier

PARTS = ("basic", "extended", "key_persons", "competitors")


class ArchivePolicy(BaseModel):
    id: str
    version: int
    parts: dict[str, list[str]] = Field(description="per part, the fields that count towards its completeness")
    refresh_months: dict[Tier, int] = Field(description="per tier, months between refreshes; tiers not named: none")


@cache
def shipped() -> ArchivePolicy:
    policy = ArchivePolicy.model_validate(json.loads((Path(__file__).parent / "policy.json").read_text("utf-8")))
    if set(policy.parts) != set(PARTS):
        raise ValueError(f"the archive policy must name the parts {PARTS}")
    return policy


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 → 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=moment.tzinfo)
    last_day = (following - datetime(year, month, 1, tzinfo=moment.tzinfo)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))
