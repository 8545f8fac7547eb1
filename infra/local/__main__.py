"""`make dev`: serve the whole API locally on http://localhost:$PORT (default 3000)."""

from __future__ import annotations

import logging
import os
import signal
import threading

from infra.local.server import start_emulator


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "urllib3", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    emulator = start_emulator(int(os.environ.get("PORT", "3000")))
    print(
        f"Docket is serving (embedded AWS, local API Gateway):\n"
        f"  REST      {emulator.base_url}/v1   (also /api/v1 and /api)\n"
        f"  docs      {emulator.base_url}/v1/docs   spec {emulator.base_url}/v1/openapi.json\n"
        f"  WebSocket {emulator.ws_url}?token=<access token>\n"
        f"  mailbox   {emulator.base_url}/_local/mail\n"
        f"  AWS       {emulator.aws.endpoint} (moto)\n"
        "Ctrl-C stops.",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    emulator.stop()


if __name__ == "__main__":
    main()
