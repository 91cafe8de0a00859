"""Idempotency-Key on POSTs: a retry gets the first answer, another body with the same key is a 422."""

from datetime import timedelta

from .conftest import CUSTOMER, as_caller, issue, rows  # noqa: TID252


class TestIdempotencyKeys:
    async def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_changes_nothing(self, registry):
        app, admin = registry
        first = await admin.post("/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": "reg-0001"})
        again = await admin.post("/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": "reg-0001"})
        unkeyed = await admin.post("/v1/customers", json=CUSTOMER)

        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["location"] == first.headers["location"]
        assert "Idempotent-Replayed" not in first.headers
        assert unkeyed.status_code == 409  # without the key the same body is a second registration, refused
        assert len(await rows(app, "SELECT id FROM customer")) == 1

    async def test_the_same_key_with_another_body_is_a_422_and_the_first_answer_stands(self, registry):
        app, admin = registry
        await admin.post("/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": "reg-0002"})
        other = {**CUSTOMER, "full_name": "Another Company", "uscc": "911100007109288314"}
        response = await admin.post("/v1/customers", json=other, headers={"Idempotency-Key": "reg-0002"})

        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "Idempotency-Key", "reason": "was used with another request"}]
        assert len(await rows(app, "SELECT id FROM customer")) == 1

    async def test_keys_belong_to_their_caller(self, registry):
        app, admin = registry
        writer = await issue(admin, "customers:read", "customers:write")
        await admin.post("/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": "shared-1"})
        other = {**CUSTOMER, "full_name": "Another Company", "uscc": "911100007109288314"}
        async with as_caller(admin, **{"X-API-Key": writer["key"], "Idempotency-Key": "shared-1"}) as caller:
            response = await caller.post("/v1/customers", json=other)
        assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
        assert len(await rows(app, "SELECT id FROM customer")) == 2

    async def test_a_refused_request_keeps_no_answer_and_a_bad_key_is_a_422(self, registry):
        _, admin = registry
        reader = await issue(admin, "customers:read")
        async with as_caller(admin, **{"X-API-Key": reader["key"], "Idempotency-Key": "k-3"}) as caller:
            assert (await caller.post("/v1/customers", json=CUSTOMER)).status_code == 403
            retried = await caller.post("/v1/customers", json=CUSTOMER)
        assert retried.status_code == 403 and "Idempotent-Replayed" not in retried.headers
        for bad in ("", "has space", "x" * 201, "中文"):
            response = await admin.post("/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": bad.encode()})
            assert response.status_code == 422, bad
            assert response.json()["errors"][0]["field"] == "Idempotency-Key"

    async def test_a_key_whose_first_request_still_runs_is_a_409_and_an_abandoned_one_is_taken_over(self, registry):
        app, admin = registry
        now = app.state.runtime.clock.now()
        table = app.state.runtime.definition.security.idempotency_key
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(
                table.insert().values(caller="bootstrap:admin", key="running", fingerprint="f" * 64, created_at=now),
            )
            await conn.execute(
                table.insert().values(
                    caller="bootstrap:admin", key="abandoned", fingerprint="f" * 64, created_at=now - timedelta(hours=1)
                ),
            )
        running_answer = await admin.post("/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": "running"})
        assert running_answer.status_code == 409 and running_answer.headers["Retry-After"] == "1"
        taken = await admin.post("/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": "abandoned"})
        assert taken.status_code == 201

    async def test_a_partner_resending_a_billing_batch_gets_the_first_answer(self, tiering):
        partner = await issue(tiering, "billing:write")
        batch = {
            "events": [
                {
                    "billing_id": "B-9",
                    "account_no": "ACC-9",
                    "amount_minor": 100,
                    "currency": "CNY",
                    "business_line": "express",
                    "posted_on": "2026-12-01",
                }
            ]
        }
        async with as_caller(tiering, **{"X-API-Key": partner["key"], "Idempotency-Key": "batch-77"}) as caller:
            first = await caller.post("/v1/billing-events", json=batch)
            again = await caller.post("/v1/billing-events", json=batch)
        assert first.status_code == again.status_code == 202
        assert again.json() == first.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
