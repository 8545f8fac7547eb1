"""The emulator on one port: API Gateway REST + WebSocket (+ `@connections`) and the local-only
routes (`/_local/mail`, `/_local/schedules/{name}`, `/_local/rotate-keys`, `/_local/audit-verify/{org}`,
`/_local/environment`), served by aiohttp on a background thread, with
the embedded AWS and the pumps beside it. `start_emulator()` is what `make dev` and the e2e tests
run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiohttp import web

from docket.settings import Settings, get_settings
from docket.topology import BASE_PATHS, SCHEDULES
from infra.local import mail
from infra.local.apigw import MAX_LINE, RestGateway
from infra.local.aws import LocalAws
from infra.local.environments import Environments
from infra.local.invoke import Invoker, invoke
from infra.local.keys import rotate_signing_keys
from infra.local.payloads import schedule_event
from infra.local.pumps import Pumps
from infra.local.websocket import WebSocketGateway

log = logging.getLogger("docket.local")
#: The WebSocket API's local address: `/ws`, bare and under every base path.
WS_PATHS = frozenset({"/ws", *(f"{base}/ws" for base in BASE_PATHS)})
GATEWAY_KEY = web.AppKey("websocket_gateway", WebSocketGateway)
#: Threads that wait on invocations (REST, WebSocket, local routes): the pumps have their own.
EXECUTOR_THREADS = 64


def build_app(*, invoker: Invoker = invoke, executor: ThreadPoolExecutor | None = None) -> web.Application:
    """The aiohttp application; `invoker` runs the functions (tests pass a fake)."""
    rest = RestGateway(invoker, executor)
    gateway = WebSocketGateway(invoker, executor)

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
        # EventBridge Scheduler never fires in moto: this is the local trigger of a SCHEDULES job
        name = request.match_info["name"]
        spec = next((s for s in SCHEDULES if s.name == name), None)
        if spec is None:
            return web.json_response(
                {"message": f"no schedule {name!r}", "schedules": [s.name for s in SCHEDULES]}, status=404
            )
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(executor, invoker, spec.function, schedule_event(name))
        except Exception as exc:
            log.exception("schedule %s failed", name)
            return web.json_response({"job": name, "function": spec.function, "error": repr(exc)}, status=500)
        body = {"job": name, "function": spec.function, "result": result}
        return web.json_response(json.loads(json.dumps(body, default=str)))

    async def rotate_keys(request: web.Request) -> web.Response:
        # Secrets Manager's rotation schedule never fires in moto: one rotation of the signing keys
        secret_id = get_settings().signing_key_secret_id
        loop = asyncio.get_running_loop()
        version = await loop.run_in_executor(
            executor, lambda: rotate_signing_keys(secret_id, invoker=invoker)
        )
        return web.json_response({"secretId": secret_id, "versionId": version})

    async def audit_verify(request: web.Request) -> web.Response:
        # `make audit-verify ORG=…`: the command's walk of one organization's chain, on the embedded AWS
        from docket.audit.verify import verify_all

        loop = asyncio.get_running_loop()
        report = await loop.run_in_executor(executor, verify_all, request.match_info["org_id"])
        return web.json_response(
            report.model_dump(by_alias=True, exclude_none=True), status=200 if report.valid else 409
        )

    async def environment(request: web.Request) -> web.Response:
        # what a command needs to act on this emulator's embedded AWS as its functions do
        # (`make admin` runs against it): the endpoint, fake credentials and the settings
        return web.json_response(local_environment())

    app = web.Application()
    app[GATEWAY_KEY] = gateway
    app.router.add_get("/_local/mail", mailbox)
    app.router.add_delete("/_local/mail", clear_mailbox)
    app.router.add_post("/_local/schedules/{name}", run_schedule)
    app.router.add_post("/_local/rotate-keys", rotate_keys)
    app.router.add_get("/_local/audit-verify/{org_id}", audit_verify)
    app.router.add_get("/_local/environment", environment)
    # the management endpoint, stage-less (Settings.websocket_endpoint) or with the stage path
    for prefix in ("", "/{stage}"):
        app.router.add_post(prefix + "/@connections/{connection_id}", gateway.post)
        app.router.add_get(prefix + "/@connections/{connection_id}", gateway.info)
        app.router.add_delete(prefix + "/@connections/{connection_id}", gateway.delete)
    # `[\s\S]`, not `.`: a path may hold a decoded line feed, which API Gateway routes like any byte
    app.router.add_route("*", "/{tail:[\\s\\S]*}", dispatch)
    return app


def local_environment() -> dict[str, str]:
    """The environment variables of this process's functions: the embedded AWS and the settings."""
    settings = get_settings()
    aws = {
        name: os.environ[name]
        for name in (
            "AWS_ENDPOINT_URL",
            "AWS_DEFAULT_REGION",
            "AWS_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        )
        if name in os.environ
    }
    return {**aws, **Settings.environment(**settings.model_dump())}


@dataclass
class HttpServer:
    """An aiohttp app served on 127.0.0.1 from a background thread with its own event loop."""

    app: web.Application
    port: int
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    runner: web.AppRunner

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, app: web.Application, port: int = 0) -> HttpServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))  # port 0: the OS picks a free one, no probing race
        loop = asyncio.new_event_loop()
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, max_line_size=MAX_LINE, max_field_size=MAX_LINE
        )
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(runner.setup())
                loop.run_until_complete(web.SockSite(runner, listener).start())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()

        thread = threading.Thread(target=serve, name="emulator-http", daemon=True)
        thread.start()
        if not started.wait(timeout=30) or failure:
            raise RuntimeError("the emulator's HTTP server did not start") from (
                failure[0] if failure else None
            )
        return cls(app=app, port=int(listener.getsockname()[1]), loop=loop, thread=thread, runner=runner)

    def stop(self) -> None:
        async def shutdown() -> None:
            await self.app[GATEWAY_KEY].close_all()
            await self.runner.cleanup()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()


@dataclass
class Emulator:
    """A running emulator: `base_url` (REST at `base_url + "/v1"`), `ws_url`, `settings`."""

    aws: LocalAws
    http: HttpServer
    pumps: Pumps
    executor: ThreadPoolExecutor
    #: The functions' execution environments (None when a test passed its own invoker).
    environments: Environments | None = None

    @property
    def base_url(self) -> str:
        return self.http.base_url

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.http.port}/ws"

    @property
    def settings(self) -> Settings:
        return self.aws.settings

    @property
    def gateway(self) -> WebSocketGateway:
        return self.http.app[GATEWAY_KEY]

    def settle(self) -> None:
        """Wait until every event taken in so far has been handled (`Pumps.settle`)."""
        self.pumps.settle()

    def reset(self) -> Settings:
        """A blank account behind the same URLs: table, queues and mailbox are empty again."""
        with self.pumps.paused():
            return self.aws.reset()

    def stop(self, *, keep_aws: bool = False) -> None:
        self.pumps.stop()
        self.http.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.environments is not None:
            self.environments.close()
        if not keep_aws:
            self.aws.stop()


def start_emulator(
    port: int = 0,
    *,
    aws: LocalAws | None = None,
    rate_limits_enabled: bool = True,
    invoker: Invoker | None = None,
) -> Emulator:
    """Serve everything from background threads; returns once requests are accepted.

    Functions run in their own execution environments (`Environments`, worker processes) unless
    `invoker` is given. One process has one embedded AWS (boto3 reads its endpoint from the
    environment): pass the process's `LocalAws` when one is already running (the tests' session
    fixture does).
    """
    environments = Environments() if invoker is None else None
    invoker = invoker or environments
    assert invoker is not None
    # threads only wait here (on an environment, or on the embedded AWS): enough for every request
    # in flight to wait at once
    executor = ThreadPoolExecutor(max_workers=EXECUTOR_THREADS, thread_name_prefix="lambda")
    http = HttpServer.start(build_app(invoker=invoker, executor=executor), port)
    endpoints = {"websocket_endpoint": http.base_url, "token_issuer": f"{http.base_url}/v1"}
    try:
        if aws is None:
            aws = LocalAws.start(rate_limits_enabled=rate_limits_enabled, **endpoints)
        else:
            aws.configure(rate_limits_enabled=rate_limits_enabled, **endpoints)
    except Exception:
        http.stop()
        if environments is not None:
            environments.close()
        raise
    current = aws
    pumps = Pumps(lambda: current.settings, invoker)
    pumps.start()
    return Emulator(aws=aws, http=http, pumps=pumps, executor=executor, environments=environments)
