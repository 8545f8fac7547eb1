"""Helpdesk group: feedback (seed 000)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from docket.api.deps import CurrentPrincipal, IfMatch
from docket.api.models import Ok
from docket.api.pagination import Cursor, Limit, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.helpdesk import feedback
from docket.helpdesk.feedback import Category, FeedbackIn, FeedbackList, FeedbackOut, FeedbackUpdate, Status

router = Router()
FeedbackId = Annotated[str, Path(min_length=3, max_length=64, description="Feedback id (`fb_…`)")]


@router.get("/feedback", summary="List feedback", tags=["feedback"])
def list_feedback(
    principal: CurrentPrincipal,
    page: PageNumber = None,
    limit: Limit = None,
    offset: Offset = None,
    cursor: Cursor = None,
    category: Category | None = None,
    status: Status | None = None,
    rating: Annotated[int | None, Query(ge=1, le=5)] = None,
    sort_order: Annotated[Literal["asc", "desc"], Query(alias="sortOrder")] = "desc",
) -> Ok[FeedbackList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset)
    found = feedback.list_feedback(
        principal, request, status=status, category=category, rating=rating, newest_first=sort_order == "desc"
    )
    items = [feedback.present(item) for item in found.items]
    return Ok(data=FeedbackList(feedback=items, pagination=found.pagination))


@router.post("/feedback", status_code=201, summary="Submit feedback", tags=["feedback"])
def submit_feedback(principal: CurrentPrincipal, body: FeedbackIn) -> Response[Ok[FeedbackOut]]:
    item = feedback.submit(principal, body)
    return ok(feedback.present(item), status=201, version=item.version, location=f"/feedback/{item.id}")


@router.get("/feedback/<feedbackId>", summary="Get feedback", tags=["feedback"])
def get_feedback(principal: CurrentPrincipal, feedbackId: FeedbackId) -> Response[Ok[FeedbackOut]]:
    item = feedback.get(principal, feedbackId)
    return ok(feedback.present(item), version=item.version)


@router.put("/feedback/<feedbackId>", summary="Update feedback", tags=["feedback"])
def update_feedback(
    principal: CurrentPrincipal,
    feedbackId: FeedbackId,
    body: FeedbackUpdate,
    if_match: IfMatch,
) -> Response[Ok[FeedbackOut]]:
    item = feedback.update(principal, feedbackId, body, if_match)
    return ok(feedback.present(item), version=item.version)


app = build_app("helpdesk", [router])
handler = make_handler(app)
