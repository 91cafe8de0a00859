"""Classification under the shipped postal-standard policy: qualification rules, revenue bands, the trailing window."""

from dataclasses import replace
from datetime import date

import pytest

from kam_tiering.tier.classification import Profile, RevenueFigures, band_for, classify, is_promotion
from kam_tiering.tier.policy import load_shipped

from .conftest import yuan  # noqa: TID252

POLICY = load_shipped("postal-standard")
TODAY = date(2026, 11, 20)


def figures(*, trailing: str = "0", previous_year: str = "0", current_month: str = "0") -> RevenueFigures:
    return RevenueFigures(
        trailing_12m_minor=yuan(trailing),
        previous_year_minor=yuan(previous_year),
        current_month_minor=yuan(current_month),
        current_month="2026-11",
    )


def rules(classification) -> list[str]:
    return [reason.rule for reason in classification.reasons]


class TestRevenueBands:
    @pytest.mark.parametrize(
        ("revenue", "tier"),
        [
            ("9,999.99", "standard"),
            ("10,000.00", "vip"),
            ("499,999.99", "vip"),
            ("500,000.00", "gold"),
            ("999,999.99", "gold"),
            ("1,000,000.00", "platinum"),
            ("4,999,999.99", "platinum"),
            ("5,000,000.00", "strategic"),
            ("80,000,000.00", "strategic"),
        ],
    )
    def test_the_lower_bound_of_each_band_is_inclusive(self, revenue, tier):
        assert band_for(yuan(revenue), POLICY) == tier
        assert classify(figures(trailing=revenue), Profile(), POLICY, TODAY).tier == tier

    def test_the_band_reason_names_the_revenue_the_bound_and_the_window(self):
        result = classify(figures(trailing="600,000.00"), Profile(), POLICY, TODAY)

        band = next(reason for reason in result.reasons if reason.rule == "revenue-band")
        assert band.figures == {
            "revenue_12m_minor": yuan("600,000.00"),
            "band_min_minor": yuan("500,000.00"),
            "window_end": "2026-11",
        }

    def test_a_higher_tier_is_a_promotion_and_a_lower_one_is_not(self):
        assert is_promotion("standard", "vip")
        assert is_promotion("gold", "strategic")
        assert not is_promotion("gold", "vip")
        assert not is_promotion("gold", "gold")


class TestTheTrailingWindow:
    def test_it_is_the_current_month_and_the_eleven_before_it(self):
        months = {"2025-12": yuan("1,000.00"), "2026-06": yuan("2,000.00"), "2026-11": yuan("4,000.00")}

        assert RevenueFigures.from_months(months, TODAY).trailing_12m_minor == yuan("7,000.00")

    def test_revenue_thirteen_months_ago_does_not_count(self):
        months = {"2025-10": yuan("900,000.00"), "2026-11": yuan("100.00")}

        result = RevenueFigures.from_months(months, TODAY)

        assert result.trailing_12m_minor == yuan("100.00")
        assert classify(result, Profile(), POLICY, TODAY).tier == "standard"

    def test_the_last_twelve_complete_months_count_when_they_are_the_better_figure(self):
        # On 20 November the last 12 complete months are 2025-11 .. 2026-10: no dip when a month starts.
        months = {"2025-11": yuan("900,000.00"), "2026-11": yuan("100.00")}

        result = RevenueFigures.from_months(months, TODAY)

        assert (result.trailing_12m_minor, result.window_end) == (yuan("900,000.00"), "2026-10")
        assert classify(result, Profile(), POLICY, TODAY).tier == "gold"

    def test_months_after_today_do_not_count(self):
        assert RevenueFigures.from_months({"2026-12": yuan("50,000.00")}, TODAY).trailing_12m_minor == 0

    def test_the_previous_year_is_the_previous_calendar_year(self):
        months = {"2024-12": 1, "2025-01": 10, "2025-11": 100, "2025-12": 1000, "2026-01": 10000}

        result = RevenueFigures.from_months(months, TODAY)

        assert result.previous_year_minor == 1110
        # 2025-11 .. 2026-10, the last 12 complete months, is the better window on 20 November.
        assert result.trailing_12m_minor == 11100

    def test_the_current_month_is_the_month_of_today(self):
        result = RevenueFigures.from_months({"2026-10": 5, "2026-11": 7}, TODAY)

        assert (result.current_month, result.current_month_minor) == ("2026-11", 7)

    def test_a_customer_without_billing_has_zero_figures(self):
        assert RevenueFigures.from_months({}, TODAY) == RevenueFigures(0, 0, 0, "2026-11", window_end="2026-11")


class TestQualification:
    def test_an_active_agreement_qualifies_without_revenue(self):
        result = classify(figures(), Profile(agreement_signed_on=date(2026, 1, 1)), POLICY, TODAY)

        assert result.qualified
        assert rules(result) == ["active-agreement", "revenue-band", "key-account-minimum"]
        assert result.tier == "vip"

    @pytest.mark.parametrize(
        "profile",
        [
            Profile(agreement_signed_on=date(2025, 1, 1), agreement_expires_on=date(2026, 11, 19)),
            Profile(agreement_signed_on=date(2026, 11, 21)),
        ],
        ids=["expired", "not yet signed"],
    )
    def test_an_agreement_that_is_not_in_force_today_does_not_qualify(self, profile):
        assert not classify(figures(), profile, POLICY, TODAY).qualified

    def test_an_agreement_is_in_force_on_its_expiry_day(self):
        profile = Profile(agreement_signed_on=date(2025, 11, 20), agreement_expires_on=TODAY)

        assert classify(figures(), profile, POLICY, TODAY).qualified

    def test_previous_year_and_current_month_at_their_thresholds_qualify(self):
        result = classify(figures(previous_year="10,000.00", current_month="1,000.00"), Profile(), POLICY, TODAY)

        assert result.qualified
        assert "previous-year-and-current-month" in rules(result)

    @pytest.mark.parametrize(("previous_year", "current_month"), [("9,999.99", "5,000.00"), ("50,000.00", "999.99")])
    def test_previous_year_and_current_month_qualify_only_together(self, previous_year, current_month):
        result = classify(figures(previous_year=previous_year, current_month=current_month), Profile(), POLICY, TODAY)

        assert not result.qualified
        assert result.tier == "standard"

    def test_an_important_customer_qualifies_without_revenue(self):
        result = classify(figures(), Profile(important=True), POLICY, TODAY)

        assert result.qualified
        assert rules(result) == ["important", "revenue-band", "key-account-minimum"]

    def test_trailing_revenue_at_the_threshold_qualifies_with_the_figures_named(self):
        result = classify(figures(trailing="10,000.00"), Profile(), POLICY, TODAY)

        reason = next(reason for reason in result.reasons if reason.rule == "trailing-12-months")
        assert reason.figures == {"revenue_12m_minor": yuan("10,000.00"), "threshold_minor": yuan("10,000.00")}

    def test_a_customer_that_does_not_qualify_is_standard_whatever_its_band(self):
        # A policy without the trailing-revenue rule: revenue alone then places in a band but does not qualify.
        policy = replace(POLICY, qualification=replace(POLICY.qualification, trailing_12m_min_minor=None))

        result = classify(figures(trailing="600,000.00"), Profile(), policy, TODAY)

        assert not result.qualified
        assert result.tier == "standard"
        assert rules(result) == ["revenue-band"]

    def test_the_same_figures_and_a_qualifying_profile_place_in_the_band(self):
        policy = replace(POLICY, qualification=replace(POLICY.qualification, trailing_12m_min_minor=None))

        result = classify(figures(trailing="600,000.00"), Profile(important=True), policy, TODAY)

        assert (result.qualified, result.tier) == (True, "gold")


class TestTheShippedPolicy:
    def test_postal_standard_version_2_keeps_cny_with_bands_from_the_top(self):
        assert (POLICY.id, POLICY.version, POLICY.currency) == ("postal-standard", 2, "CNY")
        assert [(band.tier, band.min_revenue_12m_minor) for band in POLICY.bands] == [
            ("strategic", yuan("5,000,000.00")),
            ("platinum", yuan("1,000,000.00")),
            ("gold", yuan("500,000.00")),
            ("vip", yuan("10,000.00")),
        ]

    def test_an_unknown_policy_name_is_refused(self):
        with pytest.raises(ValueError, match="no shipped policy"):
            load_shipped("no-such-policy")
