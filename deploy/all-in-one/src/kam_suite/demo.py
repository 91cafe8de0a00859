"""Synthetic data for a first look: a dozen customers over three branches, a year of billing, a few tickets.

It goes through the public API like any client, so what it shows is what the services really do."""

import asyncio
import logging
import random
from datetime import UTC, date, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from kam_shared.clock import add_months, month_key

log = logging.getLogger("kam_suite.demo")

# (full name, branch, industry, monthly revenue in CNY, important)
CUSTOMERS = [
    ("华南电子商务集团有限公司", "GZ01", "e-commerce", 520_000, False),
    ("深圳市鹏城精密制造有限公司", "SZ01", "manufacturing", 110_000, False),
    ("广州银行股份有限公司", "GZ01", "finance", 60_000, False),
    ("佛山陶瓷进出口有限公司", "FS01", "wholesale & retail", 48_000, False),
    ("广东省教育考试院", "GZ01", "education", 9_000, True),
    ("深圳湾置业有限公司", "SZ01", "real estate", 30_000, False),
    ("珠江时报社", "GZ01", "media", 2_500, True),
    ("佛山市顺德家电商城", "FS01", "wholesale & retail", 15_000, False),
    ("深圳市南山区人民法院", "SZ01", "government", 1_200, True),
    ("广州市天河区花城小学", "GZ01", "education", 450, False),
    ("佛山南海纺织有限公司", "FS01", "manufacturing", 600, False),
    ("深圳前海跨境物流有限公司", "SZ01", "e-commerce", 95_000, False),
]
TICKET_WAIT_S = 60.0
LINES = ("domestic express", "parcels", "letters", "integrated logistics", "same-city express")


async def load_demo(app: FastAPI, api_key: str) -> None:
    # The registry's own database says whether there are customers; the read models may still be catching up.
    registry = app.state.services["registry"].state.runtime
    async with registry.engine.connect() as conn:
        customers = (await conn.execute(text("SELECT count(*) FROM customer"))).scalar_one()
        await conn.rollback()
    if customers:
        log.info("demo data skipped: the suite already has customers")
        return
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://suite", headers={"X-API-Key": api_key}
    ) as client:
        try:
            await _load(client)
        except Exception:
            log.exception("demo data could not be loaded")


async def _load(client: httpx.AsyncClient) -> None:
    rng = random.Random(2026)
    today = datetime.now(UTC).date()
    this_month = month_key(today)
    customer_ids = []
    for index, (name, branch, industry, monthly, important) in enumerate(CUSTOMERS):
        response = await client.post(
            "/registry/v1/customers",
            json={"full_name": name, "branch": branch, "industry": industry, "important": important},
        )
        response.raise_for_status()
        customer_id = response.json()["id"]
        customer_ids.append(customer_id)
        account_no = f"DEMO-{branch}-{index:04d}"
        link = await client.post(
            f"/registry/v1/customers/{customer_id}/billing-accounts",
            json={"account_no": account_no, "effective_from": str(date(today.year - 2, 1, 1))},
        )
        link.raise_for_status()
        events = []
        for back in range(12, -1, -1):
            month = add_months(this_month, -back)
            day = min(today, date(int(month[:4]), int(month[5:7]), 15))
            amount_fen = int(monthly * 100 * rng.uniform(0.7, 1.3))
            events.append(
                {
                    "billing_id": f"demo-{index}-{month}",
                    "account_no": account_no,
                    "amount_minor": amount_fen,
                    "currency": "CNY",
                    "business_line": rng.choice(LINES),
                    "items": max(1, amount_fen // 2_000),
                    "posted_on": str(day),
                }
            )
        (await client.post("/tiering/v1/billing-events", json={"events": events})).raise_for_status()
    await _open_tickets(client, customer_ids)
    log.info("demo data loaded", extra={"customers": len(customer_ids)})


async def _open_tickets(client: httpx.AsyncClient, customer_ids: list[str]) -> None:
    subjects = [
        ("complaint", "phone", "Parcel delivered to the wrong floor"),
        ("repair", "account_manager", "Label printer at the loading dock is down"),
        ("inquiry", "email", "Rates for international express to Malaysia"),
    ]
    loop = asyncio.get_running_loop()
    for customer_id, (kind, channel, subject) in zip(customer_ids, subjects, strict=False):
        # The service desk learns of the customer through the bus; on a busy machine that takes a while.
        deadline = loop.time() + TICKET_WAIT_S
        while True:
            response = await client.post(
                "/service-desk/v1/tickets",
                json={
                    "customer_id": customer_id,
                    "type": kind,
                    "channel": channel,
                    "subject": subject,
                    "description": subject,
                    "received_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
                },
            )
            if response.status_code == 201:
                break
            if loop.time() > deadline:
                log.warning("demo ticket not opened", extra={"status": response.status_code, "subject": subject})
                break
            await asyncio.sleep(0.2)
