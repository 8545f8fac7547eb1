"""The WebSocket side of the emulator: live connections and the `@connections` management API."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from docket.topology import AUTHORIZER, WEBSOCKET
from infra.local.apigw import build_websocket_authorizer_event, build_websocket_event
from infra.local.invoke import invoke


@dataclass
class Connection:
    id: str
    socket: web.WebSocketResponse
    authorizer: dict[str, Any] | None
    source_ip: str
    connected_at: int = field(default_factory=lambda: int(time.time() * 1000))
    last_active: float = field(default_factory=time.time)


def _gone() -> web.Response:
    # botocore reads the error code from this header (restJson protocol)
    return web.json_response(
        {"message": "GoneException"}, status=410, headers={"x-amzn-ErrorType": "GoneException"}
    )


class WebSocketGateway:
    def __init__(self) -> None:
        self.connections: dict[str, Connection] = {}

    async def _call(self, function: str, event: dict[str, Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, invoke, function, event)

    async def upgrade(self, request: web.Request) -> web.StreamResponse:
        connection_id = base64.b64encode(secrets.token_bytes(9)).decode().replace("/", "_").replace("+", "-")
        query = dict(request.query)
        headers = dict(request.headers)
        source_ip = request.remote or "127.0.0.1"
        try:
            allowed = await self._call(
                AUTHORIZER, build_websocket_authorizer_event(connection_id, headers, query, source_ip)
            )
        except Exception as exc:
            status = 401 if str(exc) == "Unauthorized" else 500
            return web.json_response(
                {"message": "Unauthorized" if status == 401 else "Internal"}, status=status
            )
        statements = allowed.get("policyDocument", {}).get("Statement", [])
        if not statements or any(s.get("Effect") != "Allow" for s in statements):
            return web.json_response({"message": "Forbidden"}, status=403)
        authorizer = {"principalId": allowed.get("principalId"), **(allowed.get("context") or {})}

        connect = build_websocket_event(
            "$connect",
            connection_id,
            headers=headers,
            query=query,
            authorizer=authorizer,
            source_ip=source_ip,
        )
        reply = await self._call(WEBSOCKET, connect)
        if not 200 <= int((reply or {}).get("statusCode", 200)) < 300:
            return web.json_response({"message": "Forbidden"}, status=403)

        socket = web.WebSocketResponse(heartbeat=30)
        await socket.prepare(request)
        connection = Connection(
            connection_id, socket, authorizer, source_ip, connect["requestContext"]["connectedAt"]
        )
        self.connections[connection_id] = connection
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                connection.last_active = time.time()
                event = build_websocket_event(
                    "$default",
                    connection_id,
                    body=message.data,
                    authorizer=authorizer,
                    source_ip=source_ip,
                    connected_at=connection.connected_at,
                )
                reply = await self._call(WEBSOCKET, event)
                # $default is a two-way route (route response on): a reply body goes back on the socket
                if reply and reply.get("body"):
                    await socket.send_str(str(reply["body"]))
        finally:
            self.connections.pop(connection_id, None)
            disconnect = build_websocket_event(
                "$disconnect", connection_id, authorizer=authorizer, connected_at=connection.connected_at
            )
            await self._call(WEBSOCKET, disconnect)
        return socket

    # the management API (apigatewaymanagementapi) -----------------------------------------------

    async def post(self, request: web.Request) -> web.Response:
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None or connection.socket.closed:
            return _gone()
        data = await request.read()
        try:
            await connection.socket.send_str(data.decode())
        except ConnectionError:
            return _gone()
        return web.Response(status=200)

    async def info(self, request: web.Request) -> web.Response:
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None:
            return _gone()
        iso = "%Y-%m-%dT%H:%M:%S.000Z"
        return web.json_response(
            {
                "connectedAt": time.strftime(iso, time.gmtime(connection.connected_at / 1000)),
                "lastActiveAt": time.strftime(iso, time.gmtime(connection.last_active)),
                "identity": {"sourceIp": connection.source_ip, "userAgent": ""},
            }
        )

    async def delete(self, request: web.Request) -> web.Response:
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None:
            return _gone()
        await connection.socket.close()
        return web.Response(status=204)

    async def close_all(self) -> None:
        for connection in list(self.connections.values()):
            await connection.socket.close()


def dumps(value: Any) -> str:
    return json.dumps(value)
