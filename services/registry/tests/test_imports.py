"""Bringing a customer master in: CSV (UTF-8 or GB18030) and XLSX, checked row by row with the API's rules, a dry
run that changes nothing, a real run that applies exactly the valid rows, and a second import that changes nothing."""

import csv
import io

import openpyxl
import pytest

from kam_registry.customer.uscc import check_character
from kam_registry.imports.reading import XLSX_MEDIA_TYPE
from kam_shared.events.catalog import BillingAccountLinked, CustomerRegistered, CustomerUpdated, ManagerAssigned

from .conftest import USCC, customer_in  # noqa: TID252


def uscc(n: int) -> str:
    first17 = f"9135020{n:010d}"
    return first17 + check_character(first17)


def wrong_check(code: str) -> str:
    return code[:17] + ("1" if code[17] != "1" else "2")


HEADER = ["客户编号", "客户名称", "统一社会信用代码", "所属分公司", "区县", "账号", "重要客户"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


async def run_import(app, client, data: bytes, content_type: str = "text/csv", **params) -> dict:
    response = await client.post("/v1/imports", content=data, headers={"Content-Type": content_type}, params=params)
    assert response.status_code == 202, response.text
    await app.state.imports.wait()
    done = await client.get(response.headers["Location"])
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["state"] == "done", result
    return result


async def customers(client) -> list[dict]:
    return (await client.get("/v1/customers", params={"limit": 100})).json()["items"]


@pytest.fixture
async def registry_with_branches(client) -> None:
    """The registry knows branches XM01 and FZ01 (a staff member of each) and holds one customer."""
    for unit in ("XM01", "FZ01"):
        assert (await client.post("/v1/staff", json={"name": f"KAM {unit}", "org_unit": unit, "level": 1})).is_success
    assert (await client.post("/v1/customers", json=customer_in())).status_code == 201


GOOD = [
    ["E-1", "厦门茶叶进出口有限公司", uscc(1), "XM01", "思明区", "XM-0001", "是"],
    ["E-2", "福州船舶配件有限责任公司", uscc(2), "FZ01", "", "FZ-0001", "否"],
    ["E-2", "福州船舶配件有限责任公司", uscc(2), "FZ01", "", "FZ-0002", "否"],
]
BAD = [
    ["E-3", "泉州石材有限公司", wrong_check(uscc(3)), "XM01", "", "", ""],  # wrong check character
    ["E-4", "厦门茶叶进出口有限责任公司", uscc(4), "XM01", "", "", ""],  # the same normalised name as E-1
    ["E-5", "Xiamen Harbour Logistics Co., Ltd.", uscc(5), "XM01", "", "", ""],  # the registry's customer's name
    ["E-6", "漳州水产有限公司", uscc(6), "ZZ99", "", "", ""],  # unknown branch
    ["E-7", "龙岩机械有限公司", uscc(1), "XM01", "", "", ""],  # the same uscc as E-1
    ["E-8", "三明林业有限公司", uscc(8), "XM01", "", "XM-0001", ""],  # E-1's account
]


class TestCheckingRows:
    async def test_every_bad_row_is_reported_with_row_and_column_and_nothing_changes(
        self, app, client, bus, registry_with_branches
    ):
        before = await customers(client)
        published = len(await bus.published(CustomerRegistered.TYPE))

        result = await run_import(app, client, csv_bytes(GOOD + BAD), dry_run="true")

        assert result["dry_run"] is True and result["rows_total"] == 9 and result["rows_done"] == 9
        assert (result["customers_created"], result["accounts_linked"]) == (2, 3)
        problems = {(p["row"], p["column"]): p["reason"] for p in result["problems"]}
        # The header is row 1: the first data row is row 2.
        assert set(problems) == {
            (5, "统一社会信用代码"),
            (6, "客户名称"),
            (7, "客户名称"),
            (8, "所属分公司"),
            (9, "统一社会信用代码"),
            (10, "账号"),
        }
        assert "check character" in problems[(5, "统一社会信用代码")]
        assert "row 2" in problems[(6, "客户名称")]
        assert "registered" in problems[(7, "客户名称")]
        assert "org unit" in problems[(8, "所属分公司")]
        assert "row 2" in problems[(9, "统一社会信用代码")]
        assert "row 2" in problems[(10, "账号")]
        assert result["rows_rejected"] == 6
        assert await customers(client) == before
        assert len(await bus.published(CustomerRegistered.TYPE)) == published

    async def test_a_gb18030_file_reads_as_the_same_rows(self, app, client, registry_with_branches):
        result = await run_import(app, client, csv_bytes(GOOD, encoding="gb18030"), dry_run="true")

        assert result["encoding"] == "gb18030"
        assert (result["customers_created"], result["rows_rejected"]) == (2, 0)

    async def test_an_xlsx_with_a_title_row_and_merged_header_cells_is_read(self, app, client, registry_with_branches):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["大客户情况登记表"])
        sheet.merge_cells("A1:G1")
        sheet.append(["客户编号", "客户名称", "统一社会信用代码", "所属分公司", "账号", "联系人", None])
        sheet.append([None, None, None, None, None, "姓名", "电话"])
        for column in "ABCDE":
            sheet.merge_cells(f"{column}2:{column}3")
        sheet.merge_cells("F2:G2")
        sheet.append(["E-1", "厦门茶叶进出口有限公司", uscc(1), "XM01", "XM-0001", "陈静", "0592-5550101"])
        sheet.append(["E-3", "泉州石材有限公司", wrong_check(uscc(3)), "XM01", "", "", ""])
        out = io.BytesIO()
        workbook.save(out)

        result = await run_import(app, client, out.getvalue(), XLSX_MEDIA_TYPE)

        assert (result["customers_created"], result["accounts_linked"], result["rows_rejected"]) == (1, 1, 1)
        assert [(p["row"], p["column"]) for p in result["problems"]] == [(5, "统一社会信用代码")]
        [created] = [c for c in await customers(client) if c["external_id"] == "E-1"]
        archive = (await client.get(f"/v1/customers/{created['id']}/archive")).json()
        key_persons = archive["parts"]["key_persons"]
        assert key_persons["data"]["key_persons"] == [{"name": "陈静", "role": "user", "phone": "0592-5550101"}]
        assert key_persons["refreshed_by"] == f"import {result['id']}"


class TestRealRun:
    async def test_exactly_the_valid_rows_are_applied_and_announced(self, app, client, bus, registry_with_branches):
        result = await run_import(app, client, csv_bytes(GOOD + BAD))

        assert result["dry_run"] is False
        assert (result["customers_created"], result["accounts_linked"], result["rows_rejected"]) == (2, 3, 6)
        imported = {c["external_id"]: c for c in await customers(client) if c["external_id"]}
        assert set(imported) == {"E-1", "E-2"}
        assert imported["E-1"]["important"] is True and imported["E-1"]["county"] == "思明区"
        accounts = (await client.get(f"/v1/customers/{imported['E-2']['id']}/billing-accounts")).json()
        assert sorted(a["account_no"] for a in accounts["items"]) == ["FZ-0001", "FZ-0002"]
        registered = [e.data for e in await bus.published(CustomerRegistered.TYPE)]
        assert {e.customer_id for e in registered} >= {imported["E-1"]["id"], imported["E-2"]["id"]}
        linked = [e.data for e in await bus.published(BillingAccountLinked.TYPE)]
        assert sorted(e.account_no for e in linked) == ["FZ-0001", "FZ-0002", "XM-0001"]

    async def test_the_same_file_imported_twice_changes_nothing_the_second_time(
        self, app, client, bus, registry_with_branches
    ):
        data = csv_bytes(GOOD + BAD)
        await run_import(app, client, data)
        before = await customers(client)
        registered = len(await bus.published(CustomerRegistered.TYPE))

        again = await run_import(app, client, data)

        assert (again["customers_created"], again["customers_updated"], again["customers_unchanged"]) == (0, 0, 2)
        assert again["accounts_linked"] == 0
        assert await customers(client) == before
        assert len(await bus.published(CustomerRegistered.TYPE)) == registered
        assert await bus.published(CustomerUpdated.TYPE) == []
        assert len(await bus.published(BillingAccountLinked.TYPE)) == 3

    async def test_a_changed_row_updates_its_customer_by_external_id_and_announces_what_changed(
        self, app, client, bus, registry_with_branches
    ):
        await run_import(app, client, csv_bytes(GOOD[:1]))
        changed = [["E-1", "厦门茶叶进出口有限公司", uscc(1), "XM01", "湖里区", "XM-0001", "是"]]

        result = await run_import(app, client, csv_bytes(changed))

        assert (result["customers_updated"], result["customers_created"]) == (1, 0)
        [event] = [e.data for e in await bus.published(CustomerUpdated.TYPE)]
        assert (event.county, event.changed, event.sequence) == ("湖里区", ["county"], 2)

    async def test_a_customer_registered_by_hand_is_found_by_its_uscc_and_takes_the_external_id(
        self, app, client, registry_with_branches
    ):
        rows = [["E-9", "Xiamen Harbour Logistics Co., Ltd.", USCC, "XM01", "", "", ""]]

        result = await run_import(app, client, csv_bytes(rows))

        assert (result["customers_updated"], result["customers_created"], result["rows_rejected"]) == (1, 0, 0)
        [harbour] = [c for c in await customers(client) if c["uscc"] == USCC]
        assert harbour["external_id"] == "E-9"

    async def test_managers_are_assigned_from_the_file(self, app, client, bus, registry_with_branches):
        staff = (await client.get("/v1/staff")).json()["items"]
        rows = [["E-1", "厦门茶叶进出口有限公司", uscc(1), "XM01", staff[0]["id"], staff[1]["id"]]]
        header = ["客户编号", "客户名称", "统一社会信用代码", "所属分公司", "A角", "B角"]

        result = await run_import(app, client, csv_bytes(rows, header=header))

        assert result["rows_rejected"] == 0, result["problems"]
        [event] = [e.data for e in await bus.published(ManagerAssigned.TYPE)]
        assert (event.a, event.b) == (staff[0]["id"], staff[1]["id"])
        again = await run_import(app, client, csv_bytes(rows, header=header))
        assert again["customers_unchanged"] == 1
        assert len(await bus.published(ManagerAssigned.TYPE)) == 1


class TestRefusedAtOnce:
    async def test_a_file_of_another_kind_is_415(self, client):
        response = await client.post("/v1/imports", content=b"{}", headers={"Content-Type": "application/json"})

        assert response.status_code == 415

    @pytest.mark.parametrize(
        ("data", "params", "field"),
        [
            (b"", {}, "body"),
            (b"a,b\n1,2\n", {}, "body"),
            ("客户名称\n厦门\n".encode("gb18030"), {"encoding": "utf-8"}, "encoding"),
            (b"full_name\nx\n", {"map": "full_name:nonsense"}, "map"),
        ],
    )
    async def test_an_unreadable_file_or_mapping_is_422_naming_what(self, client, data, params, field):
        response = await client.post("/v1/imports", content=data, headers={"Content-Type": "text/csv"}, params=params)

        assert response.status_code == 422, response.text
        assert field in [error["field"] for error in response.json()["errors"]]

    async def test_a_workbook_that_is_not_one_is_422(self, client):
        response = await client.post(
            "/v1/imports", content=b"PK\x03\x04broken", headers={"Content-Type": XLSX_MEDIA_TYPE}
        )

        assert response.status_code == 422

    async def test_a_mapping_names_a_header_the_import_does_not_know(self, app, client, registry_with_branches):
        data = csv_bytes([["厦门茶叶进出口有限公司", uscc(1), "XM01"]], header=["单位全称", "信用代码", "责任单位"])

        result = await run_import(app, client, data, dry_run="true", map=["单位全称:full_name"])

        assert (result["customers_created"], result["rows_rejected"]) == (1, 0)


async def test_the_problems_download_as_csv_with_row_column_and_reason(app, client, registry_with_branches):
    result = await run_import(app, client, csv_bytes(BAD[:1]), dry_run="true")

    response = await client.get(f"/v1/imports/{result['id']}/problems.csv")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["row", "column", "reason"]
    assert rows[1][:2] == ["2", "统一社会信用代码"]


async def test_an_unknown_import_is_404(client):
    assert (await client.get("/v1/imports/00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_an_account_another_customer_holds_is_reported_and_not_moved(app, client, registry_with_branches):
    [harbour] = await customers(client)
    linked = await client.post(
        f"/v1/customers/{harbour['id']}/billing-accounts",
        json={"account_no": "XM-0009", "effective_from": "2026-01-01"},
    )
    assert linked.status_code == 201, linked.text
    rows = [["E-1", "厦门茶叶进出口有限公司", uscc(1), "XM01", "", "XM-0009", ""]]

    result = await run_import(app, client, csv_bytes(rows))

    [problem] = result["problems"]
    assert (problem["row"], problem["column"]) == (2, "账号") and harbour["id"] in problem["reason"]
    assert result["customers_created"] == 0
    account = (await client.get("/v1/billing-accounts/XM-0009")).json()
    assert account["customer_id"] == harbour["id"]
