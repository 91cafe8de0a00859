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
PRODUCE = 0  # the Kafka protocol's api key of a Produce request


class TcpProxy:
    """Forwards TCP both ways between clients and a server on `upstream_port`.

    It reads the Kafka protocol's frames: while `dropping`, the broker's answers to Produce requests are thrown away
    (the records are stored, the producer never hears so). While `refusing`, every connection is closed at once and
    new ones are closed as they come: the server is unreachable (any protocol). `resume()` ends both."""

    def __init__(self, upstream_port: int, port: int, *, kafka: bool = True) -> None:
        self.kafka = kafka
        self.upstream_port = upstream_port
        self.port = port
        self.dropping = False
        self.refusing = False
        self.dropped_answers = 0
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
        produce_ids: set[int] = set()  # correlation ids of this connection's Produce requests
        if self.kafka:
            pipes = (
                self._requests(client_reader, broker_writer, produce_ids),
                self._responses(broker_reader, client_writer, produce_ids),
            )
        else:
            pipes = (self._raw(client_reader, broker_writer), self._raw(broker_reader, client_writer))
        await asyncio.gather(*pipes, return_exceptions=True)
        for writer in (client_writer, broker_writer):
            writer.close()
            self._writers.discard(writer)

    async def _raw(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _requests(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, produce_ids: set[int]
    ) -> None:
        """Client to broker, frame by frame (size, api key, api version, correlation id, ...): notes each Produce."""
        with suppress(ConnectionError, OSError, asyncio.IncompleteReadError):
            while True:
                size = await reader.readexactly(4)
                frame = await reader.readexactly(int.from_bytes(size, "big"))
                if int.from_bytes(frame[0:2], "big") == PRODUCE:
                    produce_ids.add(int.from_bytes(frame[4:8], "big"))
                writer.write(size + frame)
                await writer.drain()
        writer.close()

    async def _responses(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, produce_ids: set[int]
    ) -> None:
        """Broker to client, frame by frame (size, correlation id, ...): while dropping, each answer to a Produce the
        broker has taken is thrown away whole, so the connection's framing stays sound and the producer times out."""
        with suppress(ConnectionError, OSError, asyncio.IncompleteReadError):
            while True:
                size = await reader.readexactly(4)
                frame = await reader.readexactly(int.from_bytes(size, "big"))
                correlation = int.from_bytes(frame[0:4], "big")
                if correlation in produce_ids:
                    produce_ids.discard(correlation)
                    if self.dropping:
                        self.dropped_answers += 1
                        continue
                writer.write(size + frame)
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
