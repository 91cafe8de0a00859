"""The distributed mode as operators run it: four processes started with `kam-<service> --port N`, configured only
by DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS and KAM_ADMIN_API_KEY, on the system clock, stopped with SIGTERM."""

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from conftest import free_port
from kam_shared.clock import BUSINESS_TZ, add_months, month_key
from kam_shared.testing import eventually

pytestmark = pytest.mark.integration

API_KEY = "distributed-key"
SERVICES = ("registry", "tiering", "service-desk", "reporting")


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}
        self.urls: dict[str, str] = {}

    def start(self, service: str, database_url: str, bootstrap: str) -> None:
        port = free_port()
        # Only the plain names: what a container or a systemd unit would set.
        env = {name: value for name, value in os.environ.items() if not name.startswith("KAM_")}
        env.update(
            DATABASE_URL=database_url,
            KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            KAM_ADMIN_API_KEY=API_KEY,
            KAM_LOG_LEVEL="INFO",
        )
        command = [str(Path(sys.executable).parent / f"kam-{service}"), "--port", str(port)]
        with (self.logs / f"{service}.log").open("wb") as log:
            self.running[service] = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.urls[service] = f"http://127.0.0.1:{port}"

    def log_of(self, service: str) -> str:
        return (self.logs / f"{service}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> dict[str, int | None]:
        """SIGTERM each; returns the exit codes (None: it had to be killed)."""
        codes: dict[str, int | None] = {}
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for service, process in self.running.items():
            try:
                codes[service] = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                codes[service] = None
        self.running.clear()
        return codes


@pytest.fixture
async def processes(kafka_bootstrap, database_url, tmp_path):
    started = Processes(tmp_path)
    try:
        for service in SERVICES:
            started.start(service, await database_url(service), kafka_bootstrap)
        yield started
    finally:
        started.stop()


async def test_four_service_processes_classify_serve_and_report_a_gold_customer(processes):
    async with httpx.AsyncClient(headers={"X-API-Key": API_KEY}, timeout=10) as http:
        for service, url in processes.urls.items():

            async def ready(url=url, service=service) -> bool:
                assert processes.running[service].poll() is None, processes.log_of(service)
                try:
                    return (await http.get(f"{url}/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=60, interval=0.2, what=f"{service} ready")

        registry, tiering = processes.urls["registry"], processes.urls["tiering"]
        desk, reporting = processes.urls["service-desk"], processes.urls["reporting"]
        customer = await http.post(
            f"{registry}/v1/customers", json={"full_name": "Xiamen Port Express", "branch": "XM01"}
        )
        assert customer.status_code == 201, customer.text
        customer_id = customer.json()["id"]
        today = datetime.now(UTC).astimezone(BUSINESS_TZ).date()
        linked = await http.post(
            f"{registry}/v1/customers/{customer_id}/billing-accounts",
            json={"account_no": "XM-0001", "effective_from": str(today.replace(year=today.year - 2))},
        )
        assert linked.status_code == 201, linked.text
        this_month = month_key(today)
        events = [
            {
                "billing_id": f"xm-{month}",
                "account_no": "XM-0001",
                "amount_minor": 5_000_000,
                "currency": "CNY",
                "business_line": "freight",
                "items": 40,
                "posted_on": f"{month}-01",
            }
            for month in (add_months(this_month, -back) for back in range(12))
        ]
        posted = await http.post(f"{tiering}/v1/billing-events", json={"events": events})
        assert posted.json() == {"accepted": 12, "duplicates": 0, "rejected": []}

        async def tier() -> dict | None:
            body = (await http.get(f"{tiering}/v1/customers/{customer_id}/tier")).json()
            return body if body.get("tier") == "gold" else None

        assert (await eventually(tier, timeout=90, interval=0.2, what="gold at tiering"))[
            "revenue_12m_minor"
        ] == 60_000_000

        async def desk_knows() -> bool:
            response = await http.get(f"{desk}/v1/customers/{customer_id}/service-level")
            return response.status_code == 200 and response.json()["tier"] == "gold"

        await eventually(desk_knows, timeout=90, interval=0.2, what="gold at the service desk")
        received_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        ticket = await http.post(
            f"{desk}/v1/tickets",
            json={
                "customer_id": customer_id,
                "type": "repair",
                "channel": "phone",
                "subject": "Scanner at gate 3 is down",
                "description": "Since the night shift.",
                "received_at": received_at.isoformat(),
            },
        )
        assert ticket.status_code == 201, ticket.text
        due = ticket.json()
        assert datetime.fromisoformat(due["first_response_due_at"]) == received_at + timedelta(hours=2)
        assert datetime.fromisoformat(due["resolution_due_at"]) == received_at + timedelta(hours=24)

        async def reported() -> bool:
            report = (await http.get(f"{reporting}/v1/reports/tiers")).json()
            gold = next(row for row in report["tiers"] if row["tier"] == "gold")
            return gold["customers"] == 1 and gold["revenue_12m_minor"] == 60_000_000

        await eventually(reported, timeout=90, interval=0.2, what="gold in the report")

    codes = processes.stop()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so a supervisor sees why the process ended.
    assert set(codes.values()) <= {0, -signal.SIGTERM}, codes
    for service in SERVICES:
        assert "Application shutdown complete" in processes.log_of(service), processes.log_of(service)
