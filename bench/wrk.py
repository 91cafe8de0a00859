"""Driving wrk and reading its figures."""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

THREADS = 1
CONNECTIONS = 32

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class WrkMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Result:
    requests_per_s: float
    p99_ms: float
    failures: int  # non-2xx/3xx answers and socket errors

    @property
    def ok(self) -> bool:
        return self.failures == 0


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing("wrk is not installed: the benchmark needs it (Debian/Ubuntu: apt-get install -y wrk)")
    return path


def run(
    url: str,
    *,
    seconds: float,
    connections: int = CONNECTIONS,
    headers: dict[str, str] | None = None,
    script: str | None = None,
) -> Result:
    """wrk -t1 -cN -dS --latency against one URL; `script` is Lua text (for POST bodies)."""
    command = [require_wrk(), f"-t{THREADS}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory() as tmp:
        if script is not None:
            path = Path(tmp) / "script.lua"
            path.write_text(script)
            command += ["-s", str(path)]
        out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse(out)


def parse(out: str) -> Result:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if rate is None or p99 is None:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    failures = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non_2xx:
        failures += int(non_2xx.group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        failures += sum(int(value) for value in errors.groups())
    return Result(float(rate.group(1)), float(p99.group(1)) * _UNITS[p99.group(2)], failures)
