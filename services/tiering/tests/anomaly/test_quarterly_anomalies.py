"""Quarterly swings and each branch's largest riser and fallers, at a quarter's last month (seed 003).

Closing 2026-09 compares Q3 (July..September) with Q2 (April..June); amounts in fen."""


def quarters(previous: tuple[int, int, int], current: tuple[int, int, int]) -> dict[str, int]:
    months = ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09")
    return dict(zip(months, (*previous, *current), strict=True))


def kinds(anomalies: dict, kind: str) -> dict[str, dict]:
    return {customer: item for (customer, found_kind), item in anomalies.items() if found_kind == kind}


class TestQuarterlySwing:
    async def test_a_change_of_20_percent_is_a_swing_and_one_of_19_99_percent_is_not(self, ledger, detect, found):
        # Each alone in its branch, so only the swing rule is looked at here.
        for branch, customer, previous, current in [
            ("B1", "C-UP-20", (100_000, 100_000, 100_000), (120_000, 120_000, 120_000)),
            ("B2", "C-UP-19.99", (333_334, 333_333, 333_333), (400_000, 400_000, 399_900)),
            ("B3", "C-DOWN-20", (333_334, 333_333, 333_333), (300_000, 300_000, 200_000)),
            ("B4", "C-DOWN-19.99", (333_334, 333_333, 333_333), (300_000, 300_000, 200_100)),
        ]:
            await ledger(branch, {customer: quarters(previous, current)})

        await detect("2026-09")

        swings = kinds(await found("2026-09"), "quarterly_swing")
        assert sorted(swings) == ["C-DOWN-20", "C-UP-20"]
        assert swings["C-UP-20"]["figures"] == {
            "quarter": "2026Q3",
            "previous_quarter": "2026Q2",
            "quarter_minor": 360_000,
            "previous_quarter_minor": 300_000,
            "monthly_average_minor": 120_000,
            "previous_monthly_average_minor": 100_000,
            "average_change_minor": 20_000,
            "change_percent": "20.00",
        }
        assert swings["C-DOWN-20"]["figures"]["change_percent"] == "-20.00"

    async def test_a_customer_without_billing_in_the_quarter_before_has_no_swing(self, ledger, detect, found):
        await ledger("B1", {"C-NEW": quarters((0, 0, 0), (10_000, 10_000, 10_000))})

        await detect("2026-09")

        assert kinds(await found("2026-09"), "quarterly_swing") == {}

    async def test_months_that_end_no_quarter_look_at_no_quarter(self, ledger, detect, found):
        await ledger("B1", {"C-1": {**quarters((100, 100, 100), (900, 900, 900)), "2026-10": 900}})

        await detect("2026-10")

        assert await found("2026-10") == {}


class TestBranchRisersAndFallers:
    async def test_in_a_branch_of_six_the_largest_riser_and_the_four_largest_fallers_are_named(
        self, ledger, detect, found
    ):
        base = (1_000_000, 1_000_000, 1_000_000)
        # Change of the monthly average: A +300, B -50, C -100, D -200, E -300, F -400 (tiny shares: no swing).
        await ledger(
            "XM01",
            {
                "A": quarters(base, (1_000_300, 1_000_300, 1_000_300)),
                "B": quarters(base, (999_950, 999_950, 999_950)),
                "C": quarters(base, (999_900, 999_900, 999_900)),
                "D": quarters(base, (999_800, 999_800, 999_800)),
                "E": quarters(base, (999_700, 999_700, 999_700)),
                "F": quarters(base, (999_600, 999_600, 999_600)),
            },
        )
        # Another branch's larger fall does not push anyone out of XM01's four.
        await ledger("XM02", {"G": quarters(base, (500_000, 500_000, 500_000))})

        await detect("2026-09")

        anomalies = await found("2026-09", branch="XM01")
        risers = kinds(anomalies, "branch_top_riser")
        fallers = kinds(anomalies, "branch_top_faller")
        assert {customer: item["figures"]["rank"] for customer, item in risers.items()} == {"A": 1}
        assert {customer: item["figures"]["rank"] for customer, item in fallers.items()} == {
            "F": 1,
            "E": 2,
            "D": 3,
            "C": 4,
        }
        assert fallers["F"]["figures"]["average_change_minor"] == -400
        assert risers["A"]["figures"]["average_change_minor"] == 300
        assert len(anomalies) == len(risers) + len(fallers)
        elsewhere = await found("2026-09", branch="XM02")
        assert set(elsewhere) == {("G", "branch_top_faller"), ("G", "quarterly_swing")}

    async def test_a_branch_where_everybody_fell_has_no_riser(self, ledger, detect, found):
        await ledger("XM01", {"A": quarters((100, 100, 100), (99, 99, 99))})

        await detect("2026-09")

        assert set(await found("2026-09")) == {("A", "branch_top_faller")}
