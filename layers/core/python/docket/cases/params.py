"""Query parameters of a case list, declared once: `GET /cases` and `GET /clients/{clientId}/cases`."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

CaseId = Annotated[str, Path(min_length=3, max_length=64, description="Case id (`case_…`)")]
Search = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="Words or prefixes of the title, or the case number"),
]
ClientFilter = Annotated[
    str | None, Query(alias="clientId", min_length=3, max_length=64, description="Only this client's cases")
]
AssigneeFilter = Annotated[
    str | None,
    Query(alias="assignedTo", min_length=3, max_length=64, description="Only cases assigned to this user"),
]
DateFrom = Annotated[
    str | None,
    Query(alias="dateFrom", min_length=10, max_length=40, description="Opened on or after (ISO 8601)"),
]
DateTo = Annotated[
    str | None,
    Query(alias="dateTo", min_length=10, max_length=40, description="Opened on or before (ISO 8601)"),
]
SortBy = Annotated[
    Literal["createdAt", "created_at", "updatedAt", "updated_at", "title", "priority"],
    Query(alias="sortBy", description="Sort field"),
]
SortOrder = Annotated[
    Literal["asc", "desc"], Query(alias="sortOrder", description="Newest (Z, most urgent) first by default")
]
