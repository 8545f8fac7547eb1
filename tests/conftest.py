"""Shared test settings: quiet logs, no tracing."""

from __future__ import annotations

import logging
import os

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
for noisy in ("werkzeug", "botocore", "urllib3", "aiohttp.access", "pynamodb"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
