"""Helpers of the reliability tests."""

import asyncio
from contextlib import suppress


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
