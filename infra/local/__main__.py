"""`make dev`: the whole system on http://127.0.0.1:$PORT (default 3000), no AWS account needed."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from infra.local.server import start_emulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="serve with the per-caller rate limits off (as the e2e tests and the soak benchmark do)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "urllib3", "aiohttp.access", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    emulator = start_emulator(
        int(os.environ.get("PORT", "3000")), rate_limits_enabled=not args.no_rate_limits
    )
    base = emulator.base_url
    print(
        "Docket is serving (embedded AWS, local API Gateway):\n"
        f"  REST       {base}/v1   (also {base}/api/v1, {base}/api and bare paths)\n"
        f"  docs       {base}/v1/docs   spec {base}/v1/openapi.json\n"
        f"  WebSocket  {emulator.ws_url}?token=<access token>   (@connections at {base})\n"
        f"  mailbox    {base}/_local/mail   (DELETE clears it)\n"
        f"  schedules  POST {base}/_local/schedules/<name>\n"
        f"  AWS        {emulator.aws.endpoint}   (moto; AWS_ENDPOINT_URL for the aws CLI / boto3)\n"
        "Ctrl-C stops.",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    emulator.stop()
    # Everything is stopped; tearing down the interpreter's module graph (moto, botocore) takes
    # seconds and achieves nothing, so leave at once.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
