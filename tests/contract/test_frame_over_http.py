"""The frame as a client meets it through a real HTTP server (uvicorn), where the ASGI test transport is lenient."""

import asyncio
import contextlib

import pytest
import uvicorn

from conftest import free_port
from kam_service_desk.config import ServiceDeskSettings
from kam_service_desk.main import create_app as create_service_desk
from kam_shared.testing import TEST_API_KEY


@contextlib.asynccontextmanager
async def served(app):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(1500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.02)
        assert server.started, "the service did not start"
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def exchange(port: int, raw: bytes) -> bytes:
    """Send raw requests on one connection; everything the server answers until it closes or falls silent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    answer = b""
    with contextlib.suppress(TimeoutError, ConnectionError):
        while chunk := await asyncio.wait_for(reader.read(65536), 2):
            answer += chunk
    writer.close()
    return answer


@pytest.mark.parametrize("path", ["/healthz", "/v1/tickets/t-404"])
async def test_a_head_request_leaves_the_connection_open_for_the_next_request(tmp_path, path):
    settings = ServiceDeskSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", admin_api_key=TEST_API_KEY
    )
    request = f"{{}} {path} HTTP/1.1\r\nHost: desk\r\nX-API-Key: {TEST_API_KEY}\r\n\r\n"
    async with served(create_service_desk(settings)) as port:
        answer = await exchange(port, (request.format("HEAD") + request.format("GET")).encode())
    statuses = [line for line in answer.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]
    assert len(statuses) == 2, answer
    assert statuses[0] == statuses[1]
