"""The anomaly and RFM rules are data in the tier policy; a policy without those sections gets the defaults."""

import pytest

from kam_tiering.anomaly.policy import AnomalyPolicy, anomaly_policy
from kam_tiering.rfm.policy import RfmPolicy, rfm_policy
from kam_tiering.tier.policy import load_shipped


class TestShippedPolicy:
    def test_postal_standard_names_owners_by_tier_and_the_seed_003_thresholds(self):
        rules = anomaly_policy(load_shipped("postal-standard"))

        assert (rules.sharp_drop_over_percent, rules.quarterly_swing_percent) == (50, 20)
        assert (rules.branch_top_risers, rules.branch_top_fallers) == (1, 4)
        assert [rules.owner_role(tier) for tier in ("strategic", "platinum", "gold", "vip", "standard")] == [
            "region_head",
            "region_head",
            "branch_manager",
            "branch_manager",
            "outlet_and_care_team",
        ]

    def test_postal_standard_segments_place_the_best_and_worst_scores(self):
        rules = rfm_policy(load_shipped("postal-standard"))

        assert rules.window_months == 12
        assert [rules.segment_for(*scores) for scores in [(5, 5, 5), (1, 1, 1), (1, 5, 5), (5, 1, 1)]] == [
            "champion",
            "lost",
            "at_risk",
            "promising",
        ]


class TestSections:
    def test_a_policy_without_the_sections_gets_the_defaults(self):
        assert AnomalyPolicy.from_section({}) == AnomalyPolicy()
        assert RfmPolicy.from_section({}).segment_for(5, 5, 5) == "champion"

    def test_a_segment_table_that_leaves_scores_without_a_segment_is_refused(self):
        with pytest.raises(ValueError, match="place no segment"):
            RfmPolicy.from_section({"segments": [{"segment": "champion", "r": [4, 5], "f": [1, 5], "m": [1, 5]}]})

    @pytest.mark.parametrize(
        "section",
        [
            {"owner_roles": {"diamond": "ceo"}},
            {"sharp_drop_over_percent": 100},
            {"quarterly_swing_percent": 0},
            {"branch_top_fallers": -1},
        ],
    )
    def test_anomaly_rules_out_of_range_are_refused(self, section):
        with pytest.raises(ValueError):
            AnomalyPolicy.from_section(section)
