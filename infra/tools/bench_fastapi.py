"""The comparison app for the warm benchmark: the same routes served by FastAPI + Mangum.

It does the same work as `functions/helpdesk` for `GET /feedback/{id}`, `GET /feedback` and
`POST /feedback` (principal from the authorizer context, the same service calls, the same envelope
and ETag), so the ratio measures the framework and platform layers, not the domain code.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from mangum import Mangum

from docket.api.concurrency import etag
from docket.api.pagination import page_request
from docket.helpdesk import feedback
from docket.security.principal import Principal

app = FastAPI()


def _principal(request: Request) -> Principal:
    principal = Principal.from_context(request.scope["aws.event"]["requestContext"]["authorizer"])
    assert principal is not None
    return principal


@app.get("/v1/feedback/{feedback_id}")
def get_feedback(feedback_id: str, request: Request, response: Response) -> dict[str, Any]:
    item = feedback.get(_principal(request), feedback_id)
    response.headers["ETag"] = etag(item.version)
    return {"success": True, "data": feedback.present(item).model_dump(by_alias=True), "message": None}


@app.get("/v1/feedback")
def list_feedback(request: Request, limit: int | None = None) -> dict[str, Any]:
    found = feedback.list_feedback(_principal(request), page_request(limit=limit))
    data = feedback.FeedbackList(
        feedback=[feedback.present(i) for i in found.items], pagination=found.pagination
    )
    return {"success": True, "data": data.model_dump(by_alias=True), "message": None}


@app.post("/v1/feedback", status_code=201)
def submit_feedback(body: feedback.FeedbackIn, request: Request, response: Response) -> dict[str, Any]:
    item = feedback.submit(_principal(request), body)
    response.headers["ETag"] = etag(item.version)
    response.headers["Location"] = f"/feedback/{item.id}"
    return {"success": True, "data": feedback.present(item).model_dump(by_alias=True), "message": None}


handler = Mangum(app, lifespan="off")
