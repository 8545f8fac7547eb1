"""Platform group: liveness (`GET /health`, public)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from docket.api.models import ApiModel, Ok
from docket.api.resolver import build_app, make_handler
from docket.clock import iso

router = Router()


class Health(ApiModel):
    status: str
    time: str


@router.get("/health", summary="Liveness", tags=["platform"])
def health() -> Ok[Health]:
    return Ok(data=Health(status="ok", time=iso()))


app = build_app("platform", [router])
handler = make_handler(app)
