"""The emulator's HTTP server: API Gateway REST + WebSocket + the local-only routes, on one port."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from docket import clock
from docket.settings import Settings
from docket.topology import AUTHORIZER, BASE_PATHS, SCHEDULES, match, strip_base_path
from infra.local import mail
from infra.local.apigw import build_authorizer_event, build_rest_event
from infra.local.aws import LocalAws
from infra.local.invoke import invoke
from infra.local.pumps import Pumps
from infra.local.websocket import WebSocketGateway

log = logging.getLogger("docket.local")
#: API Gateway REST's payload limit.
MAX_PAYLOAD = 10 * 1024 * 1024
WS_PATHS = {"/ws", *(f"{base}/ws" for base in BASE_PATHS)}


def _envelope(status: int, code: str, message: str, request_id: str) -> web.Response:
    body = {
        "success": False,
        "error": {
            "code": code,
            "message": message,
            "details": None,
            "timestamp": clock.iso(),
            "requestId": request_id,
        },
    }
    return web.json_response(body, status=status, headers={"X-Request-Id": request_id})


class RestGateway:
    async def _call(self, function: str, event: dict[str, Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, invoke, function, event)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        method = request.method
        stage_path = strip_base_path(request.path)
        found = match(method, stage_path)
        if found is None:
            return _envelope(404, "RESOURCE_NOT_FOUND", f"No route for {method} {request.path}", request_id)
        body = await request.read()
        if len(body) > MAX_PAYLOAD:
            return _envelope(413, "PAYLOAD_TOO_LARGE", "Request body exceeds 10 MB", request_id)
        event = build_rest_event(
            method=method,
            path=request.path,
            headers=list(request.headers.items()),
            query=list(request.query.items()),
            body=body if body else None,
            source_ip=request.remote or "127.0.0.1",
            request_id=request_id,
            domain=request.host,
        )
        if not found.public:
            denied = await self._authorize(event, request_id)
            if denied is not None:
                return denied
        try:
            reply = await self._call(found.group.function_name, event)
        except Exception:
            log.exception("%s failed", found.group.function_name)
            return _envelope(502, "INTERNAL_SERVER_ERROR", "Internal server error", request_id)
        return self._response(reply)

    async def _authorize(self, event: dict[str, Any], request_id: str) -> web.Response | None:
        try:
            result = await self._call(AUTHORIZER, build_authorizer_event(event))
        except Exception as exc:
            if str(exc) == "Unauthorized":
                return _envelope(401, "AUTHENTICATION_FAILED", "Unauthorized", request_id)
            log.exception("authorizer failed")
            return _envelope(500, "INTERNAL_SERVER_ERROR", "Authorizer configuration error", request_id)
        statements = result.get("policyDocument", {}).get("Statement", [])
        if not statements or any(s.get("Effect") != "Allow" for s in statements):
            return _envelope(
                403, "AUTHORIZATION_FAILED", "User is not authorized to access this resource", request_id
            )
        event["requestContext"]["authorizer"] = {
            "principalId": result.get("principalId"),
            **(result.get("context") or {}),
        }
        return None

    @staticmethod
    def _response(reply: dict[str, Any]) -> web.Response:
        headers: list[tuple[str, str]] = [(k, str(v)) for k, v in (reply.get("headers") or {}).items()]
        seen = {k.lower() for k, _ in headers}
        for name, values in (reply.get("multiValueHeaders") or {}).items():
            if name.lower() in seen:
                continue
            headers += [(name, str(v)) for v in values]
        body = reply.get("body") or ""
        raw = base64.b64decode(body) if reply.get("isBase64Encoded") else body.encode()
        response = web.Response(status=int(reply.get("statusCode", 200)), body=raw)
        for name, value in headers:
            if name.lower() == "content-length":
                continue
            response.headers.add(name, value)
        return response


@dataclass
class Emulator:
    aws: LocalAws
    base_url: str
    ws_url: str
    runner: web.AppRunner
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    pumps: Pumps
    gateway: WebSocketGateway

    @property
    def settings(self) -> Settings:
        return self.aws.settings

    def reset(self) -> Settings:
        """A blank account (same URLs): tables, queues and mail are empty again."""
        self.pumps.forget()
        settings = self.aws.reset()
        self.pumps.forget()
        return settings

    def stop(self, *, keep_aws: bool = False) -> None:
        self.pumps.stop()

        async def shutdown() -> None:
            await self.gateway.close_all()
            await self.runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not keep_aws:
            self.aws.stop()


def build_app(gateway: WebSocketGateway) -> web.Application:
    rest = RestGateway()

    async def dispatch(request: web.Request) -> web.StreamResponse:
        if request.path in WS_PATHS and request.headers.get("Upgrade", "").lower() == "websocket":
            return await gateway.upgrade(request)
        return await rest.handle(request)

    async def mailbox(request: web.Request) -> web.Response:
        return web.json_response(mail.messages(request.query.get("to")))

    async def clear_mailbox(request: web.Request) -> web.Response:
        mail.clear()
        return web.Response(status=204)

    async def run_schedule(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        spec = next((s for s in SCHEDULES if s.name == name), None)
        if spec is None:
            return web.json_response({"message": f"no schedule {name}"}, status=404)
        result = await asyncio.get_running_loop().run_in_executor(None, invoke, spec.function, {"job": name})
        return web.json_response({"result": json.loads(json.dumps(result, default=str))})

    app = web.Application(client_max_size=MAX_PAYLOAD + 1024)
    app.router.add_get("/_local/mail", mailbox)
    app.router.add_delete("/_local/mail", clear_mailbox)
    app.router.add_post("/_local/schedules/{name}", run_schedule)
    app.router.add_post("/@connections/{connection_id}", gateway.post)
    app.router.add_get("/@connections/{connection_id}", gateway.info)
    app.router.add_delete("/@connections/{connection_id}", gateway.delete)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_emulator(
    port: int = 0, *, aws: LocalAws | None = None, rate_limits_enabled: bool = True
) -> Emulator:
    """Start everything in background threads and return once it serves.

    One process has one embedded AWS (boto3 reads the endpoint from the environment): pass the
    process's `LocalAws` when one is already running.
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    endpoints = {"websocket_endpoint": base_url, "token_issuer": f"{base_url}/v1"}
    if aws is None:
        aws = LocalAws.start(rate_limits_enabled=rate_limits_enabled, **endpoints)
    else:
        aws.configure(rate_limits_enabled=rate_limits_enabled, **endpoints)
    gateway = WebSocketGateway()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(build_app(gateway), access_log=None)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        holder["runner"] = runner
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="emulator-http", daemon=True)
    thread.start()
    if not started.wait(timeout=30):
        raise RuntimeError("emulator did not start")
    pumps = Pumps(lambda: aws.settings)
    pumps.start()
    return Emulator(
        aws=aws,
        base_url=base_url,
        ws_url=f"ws://127.0.0.1:{port}/ws",
        runner=holder["runner"],
        loop=loop,
        thread=thread,
        pumps=pumps,
        gateway=gateway,
    )
