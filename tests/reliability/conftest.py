"""Helpers of the reliability tests."""

import asyncio
import os
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import httpx

from conftest import free_port

API_KEY = "reliability-key"


class TcpProxy:
    """Forwards TCP both ways between clients and a server on `upstream_port`.

    While `dropping`, what the server sends back is thrown away; `resume()` closes the connections that lost bytes
    (their framing is broken), so clients connect again. While `refusing`, every connection is closed at once and
    new ones are closed as they come: the server is unreachable."""

    def __init__(self, upstream_port: int, port: int) -> None:
        self.upstream_port = upstream_port
        self.port = port
        self.dropping = False
        self.refusing = False
        self.dropped_bytes = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        self._close_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def resume(self) -> None:
        self.dropping = False
        self.refusing = False
        self._close_all()

    def refuse(self) -> None:
        self.refusing = True
        self._close_all()

    def _close_all(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            client_writer.close()
            return
        try:
            broker_reader, broker_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, broker_writer}
        await asyncio.gather(
            self._pipe(client_reader, broker_writer, drops=False),
            self._pipe(broker_reader, client_writer, drops=True),
            return_exceptions=True,
        )
        for writer in (client_writer, broker_writer):
            writer.close()
            self._writers.discard(writer)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, drops: bool) -> None:
        with suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if drops and self.dropping:
                    self.dropped_bytes += len(data)
                    continue
                writer.write(data)
                await writer.drain()
        writer.close()


class Tiering:
    """`kam-tiering` as an operator runs it, configured by the environment; killed with SIGKILL, started again."""

    def __init__(self, database_url: str, bootstrap: str, logs: Path, name: str = "tiering") -> None:
        self.name = name
        self.env = {name: value for name, value in os.environ.items() if not name.startswith("KAM_")}
        self.env.update(
            DATABASE_URL=database_url,
            KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            KAM_ADMIN_API_KEY=API_KEY,
            KAM_TIERING_MONTH_CLOSE_AUTOMATIC="false",
            KAM_TIERING_RELAY_POLL_INTERVAL_S="0.2",
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logs = logs
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(Path(sys.executable).parent / "kam-tiering"), "--port", str(self.port)]
        with (self.logs / f"{self.name}-{self.starts}.log").open("wb") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    async def ready(self, http: httpx.AsyncClient) -> bool:
        try:
            return (await http.get(f"{self.url}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False
