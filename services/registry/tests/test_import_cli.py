"""`kam-registry import FILE` against a registry process: the progress, the summary, the problems file, and an exit
status that says whether every row was taken."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kam_registry.customer.uscc import check_character

KEY = "cli-test-key-0123456789"


def uscc(n: int) -> str:
    first17 = f"9135020{n:010d}"
    return first17 + check_character(first17)


@pytest.fixture
def registry(tmp_path: Path, unused_tcp_port: int):
    env = {
        **os.environ,
        "KAM_REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        "KAM_ADMIN_API_KEY": KEY,
        "KAM_REGISTRY_KAFKA_BOOTSTRAP_SERVERS": "",
        "KAFKA_BOOTSTRAP_SERVERS": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from kam_registry.main import run; run()", "--port", str(unused_tcp_port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{unused_tcp_port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(process.stderr.read().decode()[-2000:])
        time.sleep(0.2)
    yield url
    process.kill()
    process.wait()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kam_registry.imports.cli import main; sys.exit(main(sys.argv[1:]))",
            *args,
        ],
        env={**os.environ, "KAM_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_import_from_the_command_line_reports_progress_and_the_rows_not_taken(registry, tmp_path):
    data = tmp_path / "customers.csv"
    data.write_text(
        "客户编号,客户名称,统一社会信用代码,所属分公司,账号\n"
        f"E-1,厦门茶叶进出口有限公司,{uscc(1)},XM01,XM-0001\n"
        f"E-2,泉州石材有限公司,{uscc(2)[:17]}X,XM01,\n",
        encoding="gb18030",
    )
    problems = tmp_path / "problems.csv"

    dry = run_cli(str(data), "--url", registry, "--dry-run", "--allow-new-branches")
    real = run_cli(str(data), "--url", registry, "--allow-new-branches", "--problems", str(problems))
    again = run_cli(str(data), "--url", registry, "--allow-new-branches")

    assert dry.returncode == 1, dry.stderr
    assert "would be created 1" in dry.stderr and "2/2 rows" in dry.stderr
    assert real.returncode == 1 and "were created 1" in real.stderr, real.stderr
    assert "row 3, 统一社会信用代码" in real.stderr
    assert problems.read_text(encoding="utf-8-sig").splitlines()[1].startswith("3,统一社会信用代码,")
    assert again.returncode == 1 and "created 0, updated 0, unchanged 1" in again.stderr, again.stderr
    customers = httpx.get(f"{registry}/v1/customers", headers={"X-API-Key": KEY}).json()["items"]
    assert [customer["external_id"] for customer in customers] == ["E-1"]


def test_without_a_key_or_a_readable_file_it_exits_2(tmp_path):
    assert run_cli(str(tmp_path / "missing.csv"), "--url", "http://127.0.0.1:9").returncode == 2
