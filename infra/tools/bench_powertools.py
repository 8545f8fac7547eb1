"""The comparison app for the warm benchmark: the same routes on a bare Powertools resolver.

`APIGatewayRestResolver` with validation on, as every Docket group has it, and nothing of Docket's
platform layer (no request guard, rate limit, idempotency, error mapper, CORS, logging or metrics
decorators): the ratio against it is what `docket.api` adds to Powertools.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from docket.api.concurrency import etag
from docket.api.pagination import page_request
from docket.helpdesk import feedback
from docket.security.principal import Principal

app = APIGatewayRestResolver(enable_validation=True, strip_prefixes=["/v1"])


def _principal() -> Principal:
    principal = Principal.from_context(app.current_event.raw_event["requestContext"]["authorizer"])
    assert principal is not None
    return principal


@app.get("/feedback/<feedbackId>")
def get_feedback(feedbackId: str) -> Response[Any]:
    item = feedback.get(_principal(), feedbackId)
    body = {"success": True, "data": feedback.present(item).model_dump(by_alias=True), "message": None}
    return Response(200, "application/json", body, headers={"ETag": etag(item.version)})


@app.get("/feedback")
def list_feedback(limit: Annotated[int | None, Query(ge=1, le=100)] = None) -> dict[str, Any]:
    found = feedback.list_feedback(_principal(), page_request(limit=limit))
    data = feedback.FeedbackList(
        feedback=[feedback.present(i) for i in found.items], pagination=found.pagination
    )
    return {"success": True, "data": data.model_dump(by_alias=True), "message": None}


@app.post("/feedback")
def submit_feedback(body: feedback.FeedbackIn) -> Response[Any]:
    item = feedback.submit(_principal(), body)
    data = {"success": True, "data": feedback.present(item).model_dump(by_alias=True), "message": None}
    headers = {"ETag": etag(item.version), "Location": f"/feedback/{item.id}"}
    return Response(201, "application/json", data, headers=headers)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
