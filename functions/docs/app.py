"""Docs group: the merged OpenAPI spec of every group (`GET /openapi.json`) and Swagger UI (`GET /docs`).

The spec is generated from the code by `make openapi` into `openapi.json` beside this file; a test
fails when it drifts from the routes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from docket.api.resolver import build_app, make_handler

SPEC_FILE = Path(__file__).with_name("openapi.json")
router = Router()


@cache
def _spec_text() -> str:
    return SPEC_FILE.read_text(encoding="utf-8")


@router.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[Any]:
    return Response(status_code=200, content_type="application/json", body=_spec_text())


@router.get("/docs", include_in_schema=False)
def swagger_ui() -> Response[Any]:
    from aws_lambda_powertools.event_handler.openapi import swagger_ui

    assets = Path(swagger_ui.__file__).parent
    spec = json.dumps(json.loads(_spec_text())).replace("</", "<\\/")
    html = swagger_ui.generate_swagger_html(
        spec,
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "",
        None,
        persist_authorization=True,
    )
    return Response(status_code=200, content_type="text/html", body=html)


app = build_app("docs", [router])
handler = make_handler(app)
