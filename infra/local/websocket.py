"""The WebSocket side of the local API Gateway: connections and the `@connections` management API.

Lifecycle, as API Gateway runs it: on upgrade, a request without the authorizer's identity
sources (`topology.websocket_identity_sources()`: the `?token=` query parameter) is refused with
401 before anything runs; then the authorizer (REQUEST) — a 401/403/500 refuses the handshake with
that status — then the function's `$connect`; a non-2xx
answer refuses the handshake with the answer's status, a `Sec-WebSocket-Protocol` header in it
selects the subprotocol. Each text frame is a `$default` event (the function dispatches on the
JSON `action`); `$default` is a two-way route (`return_response=True` in the stack), so a reply
`body` goes back on the socket as one text frame. An invocation error sends API Gateway's
`{"message": "Internal server error", ...}` frame and keeps the connection. A binary frame closes
the connection with 1003 and a message over 128 KB with 1009, as API Gateway does. Closing runs
`$disconnect` with the close code.

The management API (`POST/GET/DELETE /@connections/{id}`, optionally under a stage path) answers
410 with `x-amzn-ErrorType: GoneException` for an unknown or closed id, which botocore's restJson
parser turns into `GoneException`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from docket.topology import WEBSOCKET, websocket_identity_sources
from infra.local.authorize import authorize
from infra.local.invoke import Invoker, invoke
from infra.local.payloads import (
    build_websocket_authorizer_event,
    build_websocket_event,
    new_connection_id,
    websocket_method_arn,
)

log = logging.getLogger("docket.local.websocket")
#: API Gateway WebSocket's message limit (frames are 32 KB, a message up to 128 KB).
MAX_MESSAGE = 128 * 1024
_ISO = "%Y-%m-%dT%H:%M:%S.000Z"


@dataclass
class Connection:
    id: str
    socket: web.WebSocketResponse
    authorizer: dict[str, Any] | None
    source_ip: str
    user_agent: str
    domain: str
    connected_at: int = field(default_factory=lambda: int(time.time() * 1000))
    last_active: float = field(default_factory=time.time)


def _gone() -> web.Response:
    return web.json_response(
        {"message": "GoneException"}, status=410, headers={"x-amzn-ErrorType": "GoneException"}
    )


class WebSocketGateway:
    """Live connections by id, the `$connect/$default/$disconnect` invocations, `@connections`."""

    def __init__(self, invoker: Invoker = invoke, executor: Executor | None = None) -> None:
        self._invoker = invoker
        self._executor = executor
        self.connections: dict[str, Connection] = {}

    async def _run(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    # the client side -----------------------------------------------------------------------------

    async def upgrade(self, request: web.Request) -> web.StreamResponse:
        connection_id = new_connection_id()
        headers = list(request.headers.items())
        query = list(request.query.items())
        source_ip = request.remote or "127.0.0.1"
        domain = request.host.split(":", 1)[0]
        if not all(_present(source, request) for source in websocket_identity_sources()):
            return web.json_response({"message": _refusal(401)}, status=401)
        connect = build_websocket_event(
            "$connect", connection_id, headers=headers, query=query, source_ip=source_ip, domain=domain
        )
        decision = await self._run(
            authorize, self._invoker, build_websocket_authorizer_event(connect), websocket_method_arn()
        )
        if not decision.allowed:
            return web.json_response({"message": _refusal(decision.status)}, status=decision.status)
        connect["requestContext"]["authorizer"] = decision.context

        try:
            reply = await self._run(self._invoker, WEBSOCKET, connect) or {}
        except Exception:
            log.exception("$connect failed")
            return web.json_response({"message": "Internal server error"}, status=500)
        status = int(reply.get("statusCode", 200)) if isinstance(reply, dict) else 200
        if not 200 <= status < 300:
            return web.json_response({"message": _refusal(status)}, status=status)

        reply_headers = {k.lower(): str(v) for k, v in (reply.get("headers") or {}).items()}
        protocol = reply_headers.get("sec-websocket-protocol")
        socket = web.WebSocketResponse(
            protocols=(protocol,) if protocol else (), max_msg_size=MAX_MESSAGE, heartbeat=30
        )
        await socket.prepare(request)
        connection = Connection(
            id=connection_id,
            socket=socket,
            authorizer=decision.context,
            source_ip=source_ip,
            user_agent=request.headers.get("User-Agent", ""),
            domain=domain,
            connected_at=connect["requestContext"]["connectedAt"],
        )
        self.connections[connection_id] = connection
        try:
            await self._receive(connection)
        finally:
            self.connections.pop(connection_id, None)
            await self._disconnected(connection)
        return socket

    async def _receive(self, connection: Connection) -> None:
        socket = connection.socket
        async for message in socket:
            if message.type == WSMsgType.BINARY:
                await socket.close(
                    code=WSCloseCode.UNSUPPORTED_DATA, message=b"Binary frames are not supported"
                )
                return
            if message.type != WSMsgType.TEXT:
                continue
            connection.last_active = time.time()
            event = build_websocket_event(
                "$default",
                connection.id,
                body=message.data,
                authorizer=connection.authorizer,
                source_ip=connection.source_ip,
                connected_at=connection.connected_at,
                domain=connection.domain,
            )
            try:
                reply = await self._run(self._invoker, WEBSOCKET, event)
            except Exception:
                log.exception("$default failed")
                context = event["requestContext"]
                reply = {
                    "body": json.dumps(
                        {
                            "message": "Internal server error",
                            "connectionId": connection.id,
                            "requestId": context["requestId"],
                        }
                    )
                }
            if isinstance(reply, dict) and reply.get("body") and not socket.closed:
                await socket.send_str(str(reply["body"]))

    async def _disconnected(self, connection: Connection) -> None:
        socket = connection.socket
        code = socket.close_code if socket.close_code is not None else 1006
        event = build_websocket_event(
            "$disconnect",
            connection.id,
            authorizer=connection.authorizer,
            source_ip=connection.source_ip,
            connected_at=connection.connected_at,
            domain=connection.domain,
            close_code=code,
            close_reason=f"Client-side close frame status code '{code}'",
        )
        try:
            await self._run(self._invoker, WEBSOCKET, event)
        except Exception:
            log.exception("$disconnect failed")

    # the management API (apigatewaymanagementapi) ------------------------------------------------

    def _live(self, request: web.Request) -> Connection | None:
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None or connection.socket.closed:
            return None
        return connection

    async def post(self, request: web.Request) -> web.Response:
        connection = self._live(request)
        if connection is None:
            return _gone()
        data = await request.read()
        if len(data) > MAX_MESSAGE:
            return web.json_response(
                {"message": "Message too long"},
                status=413,
                headers={"x-amzn-ErrorType": "PayloadTooLargeException"},
            )
        try:
            # text when it is text (JSON pushes), binary otherwise
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        try:
            if text is None:
                await connection.socket.send_bytes(data)
            else:
                await connection.socket.send_str(text)
        except ConnectionError:
            return _gone()
        return web.Response(status=200)

    async def info(self, request: web.Request) -> web.Response:
        connection = self._live(request)
        if connection is None:
            return _gone()
        return web.json_response(
            {
                "connectedAt": time.strftime(_ISO, time.gmtime(connection.connected_at / 1000)),
                "lastActiveAt": time.strftime(_ISO, time.gmtime(connection.last_active)),
                "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            }
        )

    async def delete(self, request: web.Request) -> web.Response:
        connection = self._live(request)
        if connection is None:
            return _gone()
        await connection.socket.close(code=WSCloseCode.GOING_AWAY, message=b"Going away")
        return web.Response(status=204)

    async def close_all(self) -> None:
        for connection in list(self.connections.values()):
            await connection.socket.close(code=WSCloseCode.GOING_AWAY, message=b"Server is stopping")


def _present(source: str, request: web.Request) -> bool:
    """Whether an identity source (`route.request.querystring.token`, `route.request.header.X`) has
    a non-empty value in the request, as API Gateway requires before running the authorizer."""
    kind, _, name = source.removeprefix("route.request.").partition(".")
    if kind == "querystring":
        return bool(request.query.get(name, "").strip())
    if kind == "header":
        return bool(request.headers.get(name, "").strip())
    raise ValueError(f"identity source {source!r} is not emulated")


def _refusal(status: int) -> str:
    return {401: "Unauthorized", 403: "Forbidden"}.get(
        status, "Internal server error" if status >= 500 else ""
    )
