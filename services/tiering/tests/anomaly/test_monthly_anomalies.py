"""Sharp drops and dormant customers, found when a month is closed (seed 003). Amounts in fen (minor units)."""


class TestSharpDrop:
    async def test_a_fall_of_exactly_half_is_not_a_sharp_drop_but_one_of_50_01_percent_is(self, ledger, detect, found):
        await ledger(
            "XM01",
            {
                "C-HALF": {"2026-09": 1_000_000, "2026-10": 500_000},
                "C-MORE": {"2026-09": 1_000_000, "2026-10": 499_900},
            },
        )

        assert await detect("2026-10") == 1

        anomalies = await found("2026-10")
        assert list(anomalies) == [("C-MORE", "sharp_drop")]
        assert anomalies[("C-MORE", "sharp_drop")]["figures"] == {
            "previous_month": "2026-09",
            "previous_month_minor": 1_000_000,
            "month_minor": 499_900,
            "change_percent": "-50.01",
        }

    async def test_a_rise_or_a_small_fall_is_no_sharp_drop(self, ledger, detect, found):
        await ledger(
            "XM01",
            {"C-UP": {"2026-09": 100, "2026-10": 900}, "C-DIP": {"2026-09": 1_000, "2026-10": 501}},
        )

        await detect("2026-10")

        assert await found("2026-10") == {}

    async def test_a_month_falling_to_zero_is_dormant_and_not_a_sharp_drop(self, ledger, detect, found):
        await ledger("XM01", {"C-1": {"2026-09": 1_000_000, "2026-10": 0}})

        await detect("2026-10")

        assert list(await found("2026-10")) == [("C-1", "dormant")]


class TestDormant:
    async def test_each_zero_month_after_billing_is_dormant_and_counts_the_zero_months(self, ledger, detect, found):
        # July billed; August has no row at all; September has a row that corrections brought to zero.
        await ledger("XM01", {"C-1": {"2026-07": 250_000, "2026-09": 0}})

        for month in ("2026-08", "2026-09", "2026-10"):
            await detect(month)

        counted = [(await found(month))[("C-1", "dormant")]["figures"] for month in ("2026-08", "2026-09", "2026-10")]
        assert counted == [
            {"last_billed_month": "2026-07", "last_billed_minor": 250_000, "zero_months": zero} for zero in (1, 2, 3)
        ]

    async def test_a_customer_never_billed_before_or_billed_this_month_is_not_dormant(self, ledger, detect, found):
        await ledger(
            "XM01",
            {"C-NEW": {"2026-11": 5_000}, "C-NONE": {}, "C-BILLED": {"2026-09": 100, "2026-10": 100}},
        )

        await detect("2026-10")

        assert await found("2026-10") == {}


class TestOwners:
    async def test_the_owner_follows_the_tier_region_head_branch_manager_or_outlet_and_care_team(
        self, ledger, detect, found
    ):
        months = {"2026-09": 100_000, "2026-10": 10_000}
        await ledger(
            "XM01",
            {"C-PLAT": months, "C-GOLD": months, "C-VIP": months, "C-STD": months, "C-NEVER-RATED": months},
            tiers={"C-PLAT": "platinum", "C-GOLD": "gold", "C-VIP": "vip", "C-STD": "standard"},
        )

        await detect("2026-10")

        anomalies = await found("2026-10")
        owners = {customer: (item["tier"], item["owner_role"]) for (customer, _), item in anomalies.items()}
        assert owners == {
            "C-PLAT": ("platinum", "region_head"),
            "C-GOLD": ("gold", "branch_manager"),
            "C-VIP": ("vip", "branch_manager"),
            "C-STD": ("standard", "outlet_and_care_team"),
            "C-NEVER-RATED": ("standard", "outlet_and_care_team"),
        }

    async def test_a_tier_override_in_force_names_the_owner(self, ledger, detect, found, client):
        await ledger("XM01", {"C-1": {"2026-09": 100_000, "2026-10": 10_000}}, tiers={"C-1": "vip"})
        body = {"tier": "strategic", "reason": "national account", "expires_on": "2026-12-31"}
        assert (await client.put("/v1/customers/C-1/tier-override", json=body)).status_code == 200

        await detect("2026-10")

        drop = (await found("2026-10"))[("C-1", "sharp_drop")]
        assert (drop["tier"], drop["owner_role"]) == ("strategic", "region_head")
