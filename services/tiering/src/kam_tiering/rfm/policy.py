"""RFM segments are data: the "rfm" section of the tier policy names each segment by ranges of the three scores.

The first segment whose ranges hold a customer's scores is its segment; the table must place every one of the
125 combinations. The section is optional: a policy without it gets the defaults below."""

from dataclasses import dataclass
from itertools import product

from kam_tiering.anomaly.policy import policy_section
from kam_tiering.tier.policy import Policy

SCORES = range(1, 6)

DEFAULT_SEGMENTS = (
    {"segment": "champion", "r": [4, 5], "f": [4, 5], "m": [4, 5]},
    {"segment": "loyal", "r": [3, 5], "f": [3, 5], "m": [3, 5]},
    {"segment": "promising", "r": [4, 5], "f": [1, 2], "m": [1, 5]},
    {"segment": "at_risk", "r": [1, 2], "f": [3, 5], "m": [1, 5]},
    {"segment": "lost", "r": [1, 1], "f": [1, 2], "m": [1, 5]},
    {"segment": "hibernating", "r": [2, 3], "f": [1, 2], "m": [1, 5]},
    {"segment": "needs_attention", "r": [1, 5], "f": [1, 5], "m": [1, 5]},
)


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    r: tuple[int, int]
    f: tuple[int, int]
    m: tuple[int, int]

    def holds(self, r: int, f: int, m: int) -> bool:
        return self.r[0] <= r <= self.r[1] and self.f[0] <= f <= self.f[1] and self.m[0] <= m <= self.m[1]


@dataclass(frozen=True, slots=True)
class RfmPolicy:
    window_months: int
    segments: tuple[Segment, ...]

    def segment_for(self, r: int, f: int, m: int) -> str:
        return next(segment.name for segment in self.segments if segment.holds(r, f, m))

    @classmethod
    def from_section(cls, section: dict) -> "RfmPolicy":
        segments = tuple(
            Segment(
                name=str(entry["segment"]),
                r=_range(entry["r"]),
                f=_range(entry["f"]),
                m=_range(entry["m"]),
            )
            for entry in section.get("segments", DEFAULT_SEGMENTS)
        )
        policy = cls(window_months=int(section.get("window_months", 12)), segments=segments)
        if not 1 <= policy.window_months <= 60:
            raise ValueError("the RFM window is 1..60 months")
        unplaced = [scores for scores in product(SCORES, SCORES, SCORES) if not any(s.holds(*scores) for s in segments)]
        if unplaced:
            raise ValueError(f"RFM segments place no segment for scores {unplaced[:5]} ...")
        return policy


def _range(bounds: list[int]) -> tuple[int, int]:
    low, high = (int(bound) for bound in bounds)
    if not 1 <= low <= high <= 5:
        raise ValueError(f"an RFM score range is two scores 1..5, low first, not {bounds}")
    return low, high


def rfm_policy(policy: Policy) -> RfmPolicy:
    return RfmPolicy.from_section(policy_section(policy, "rfm"))
