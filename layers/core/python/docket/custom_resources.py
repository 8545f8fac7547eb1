"""CloudFormation custom resources served by a Docket function directly (no provider framework).

CloudFormation invokes the function asynchronously and waits for the answer at the request's
pre-signed `ResponseURL` (an S3 object). Every request gets an answer — a failure included —
otherwise the stack operation hangs for an hour before timing out.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from docket.observability import logger

SUCCESS = "SUCCESS"
FAILED = "FAILED"
#: CloudFormation truncates longer reasons; the log stream has the rest.
_MAX_REASON = 1000


@dataclass(frozen=True)
class Outcome:
    physical_id: str
    data: dict[str, str] = field(default_factory=dict)


def respond(
    event: dict[str, Any],
    context: Any,
    *,
    status: str,
    physical_id: str,
    reason: str = "",
    data: dict[str, str] | None = None,
) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": (reason or f"See the log stream {getattr(context, 'log_stream_name', '')}")[
                :_MAX_REASON
            ],
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": data or {},
        }
    ).encode()
    url = event["ResponseURL"]
    if urlsplit(url).scheme not in ("https", "http"):
        raise ValueError("ResponseURL must be an http(s) URL")
    # S3 signed the URL without a content type: send none. (S310: the scheme is checked above.)
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})  # noqa: S310
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
        response.read()


def serve(event: dict[str, Any], context: Any, action: Callable[[dict[str, Any]], Outcome]) -> dict[str, str]:
    """Run `action` for the request and report its outcome to CloudFormation; returns what was sent."""
    fallback_id = str(event.get("PhysicalResourceId") or event["LogicalResourceId"])
    try:
        outcome = action(event)
    except Exception as exc:  # noqa: BLE001 — CloudFormation must hear about any failure, or it waits an hour
        logger.exception("custom resource request failed", extra={"request_type": event.get("RequestType")})
        reason = f"{type(exc).__name__}: {exc}"
        respond(event, context, status=FAILED, physical_id=fallback_id, reason=reason)
        return {"Status": FAILED, "PhysicalResourceId": fallback_id, "Reason": reason}
    respond(event, context, status=SUCCESS, physical_id=outcome.physical_id, data=outcome.data)
    return {"Status": SUCCESS, "PhysicalResourceId": outcome.physical_id}
