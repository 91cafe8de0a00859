"""Input that no service can store: refused at the door with a 422 instead of failing deep inside.

PostgreSQL text cannot hold the NUL character (SQLSTATE 22021), while SQLite and every Python model take it.
Left alone, a NUL in an id or a name is a 500 on PostgreSQL, or worse an event accepted with 202 and dead-lettered
later. No carrier's data needs it, so the frame refuses it in the path, the query and JSON bodies alike."""

from typing import Any
from urllib.parse import unquote_to_bytes

from kam_shared.errors import FieldError, problem_response

_ESCAPED_NUL = b"\\u0000"


def contains_json_nul(body: bytes) -> bool:
    """Whether a JSON document spells NUL as `\\u0000` (a raw NUL byte is invalid JSON and the parser refuses it).

    An escape counts only when the backslash before `u` is not itself escaped: `\\\\u0000` is a backslash and the
    text `u0000`."""
    start = body.find(_ESCAPED_NUL)
    while start != -1:
        backslashes = 0
        position = start
        while position >= 0 and body[position] == 0x5C:
            backslashes += 1
            position -= 1
        if backslashes % 2 == 1:
            return True
        start = body.find(_ESCAPED_NUL, start + 1)
    return False


def _nul_in_query(query_string: bytes) -> str | None:
    if b"%00" not in query_string and b"\x00" not in query_string:
        return None
    for pair in query_string.split(b"&"):
        name, _, value = pair.partition(b"=")
        if b"\x00" in unquote_to_bytes(value) or b"\x00" in unquote_to_bytes(name):
            return unquote_to_bytes(name).replace(b"\x00", b"").decode(errors="replace")[:100] or "query"
    return None


class InputGuardMiddleware:
    """Runs inside the body limit, so the body it reads is already bounded and buffered."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = "path" if "\x00" in scope.get("path", "") else _nul_in_query(scope.get("query_string", b""))
        if field is not None:
            await _refuse(field, scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        messages = []
        body = bytearray()
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if contains_json_nul(bytes(body)):
            await _refuse("body", scope, receive, send)
            return
        replay = iter(messages)

        async def replay_receive() -> dict:
            try:
                return next(replay)
            except StopIteration:
                return await receive()

        await self.app(scope, replay_receive, send)


async def _refuse(field: str, scope: dict, receive: Any, send: Any) -> None:
    response = problem_response(
        422,
        "the request contains the NUL character (\\u0000), which no field accepts",
        slug="invalid-input",
        errors=[FieldError(field, "contains the NUL character (\\u0000)")],
    )
    await response(scope, receive, send)
