"""The comparison app for the latency benchmark: the same route served by FastAPI + Mangum.

It does the same work as `functions/helpdesk` for `GET /feedback/{id}` (principal from the
authorizer context, the same service call, the same envelope and ETag), so the ratio measures the
framework and platform layers, not the domain code.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from mangum import Mangum

from docket.api.concurrency import etag
from docket.helpdesk import feedback
from docket.security.principal import Principal

app = FastAPI()


@app.get("/v1/feedback/{feedback_id}")
def get_feedback(feedback_id: str, request: Request, response: Response) -> dict[str, Any]:
    event = request.scope["aws.event"]
    principal = Principal.from_context(event["requestContext"]["authorizer"])
    assert principal is not None
    item = feedback.get(principal, feedback_id)
    response.headers["ETag"] = etag(item.version)
    return {"success": True, "data": feedback.present(item).model_dump(by_alias=True), "message": None}


handler = Mangum(app, lifespan="off")
