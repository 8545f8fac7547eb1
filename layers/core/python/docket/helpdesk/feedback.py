"""Feedback (seed 000): firm users rate features and report bugs; managers triage them.

Access patterns (docs/access-patterns.md):
- get by id:            pk = ORG#<org>#FEEDBACK#<id>, sk = META
- list newest first:    gsi1 pk = ORG#<org>#FEEDBACK, sk = <createdAt>#<id>
- list by status:       gsi2 pk = ORG#<org>#FEEDBACK#STATUS#<status>, sk = <createdAt>#<id>
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import Field
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from docket.api import concurrency
from docket.api.models import ApiModel, InputModel, Nullable, Omittable, Pagination
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.data import entities, tallies
from docket.data.changes import diff
from docket.data.models import TenantItem, item_key, org_key
from docket.data.transactions import Transaction
from docket.errors import Forbidden
from docket.ids import new_id
from docket.security import permissions
from docket.security.principal import Principal

READ = permissions.FEEDBACK_READ
WRITE = permissions.FEEDBACK_WRITE
MANAGE = permissions.FEEDBACK_MANAGE


class Category(StrEnum):
    BUG = "bug"
    FEATURE = "feature"
    IMPROVEMENT = "improvement"


class Status(StrEnum):
    NEW = "new"
    REVIEWED = "reviewed"
    IMPLEMENTED = "implemented"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Feedback(TenantItem, discriminator="feedback"):
    ID_PREFIX = "fb"

    feature = UnicodeAttribute()
    rating = NumberAttribute()
    comment = UnicodeAttribute(null=True)
    category = UnicodeAttribute()
    priority = UnicodeAttribute()
    status = UnicodeAttribute()
    user_id = UnicodeAttribute()

    @classmethod
    def primary_key(cls, org_id: str, entity_id: str) -> tuple[str, str]:
        return f"{org_key(org_id)}#FEEDBACK#{entity_id}", "META"

    def keys(self) -> dict[str, str | None]:
        listed = f"{self.created_at}#{self.id}"
        pk, sk = self.primary_key(self.org_id, self.id)
        return {
            "pk": pk,
            "sk": sk,
            "gsi1pk": f"{org_key(self.org_id)}#FEEDBACK",
            "gsi1sk": listed,
            "gsi2pk": f"{org_key(self.org_id)}#FEEDBACK#STATUS#{self.status}",
            "gsi2sk": listed,
        }


class FeedbackIn(InputModel):
    feature: str = Field(min_length=1, max_length=200, examples=["Case Management"])
    rating: int = Field(ge=1, le=5)
    comment: Nullable[str] = Field(default=None, max_length=5000)
    category: Category = Category.FEATURE
    priority: Priority = Priority.MEDIUM


class FeedbackUpdate(InputModel):
    """The fields to change; those left out keep their value, `comment: null` removes the comment."""

    feature: Omittable[str] = Field(default=None, min_length=1, max_length=200)
    rating: Omittable[int] = Field(default=None, ge=1, le=5)
    comment: Nullable[str] = Field(default=None, max_length=5000)
    category: Omittable[Category] = None
    priority: Omittable[Priority] = None
    #: Triage: needs `feedback:manage`.
    status: Omittable[Status] = None


class FeedbackOut(ApiModel):
    id: str
    feature: str
    rating: int
    comment: str | None
    category: Category
    priority: Priority
    status: Status
    user_id: str
    created_at: str
    updated_at: str
    version: int


class FeedbackList(ApiModel):
    feedback: list[FeedbackOut]
    pagination: Pagination


def present(item: Feedback) -> FeedbackOut:
    return FeedbackOut(
        id=item.id,
        feature=item.feature,
        rating=int(item.rating),
        comment=item.comment,
        category=Category(item.category),
        priority=Priority(item.priority),
        status=Status(item.status),
        user_id=item.user_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


def submit(principal: Principal, data: FeedbackIn) -> Feedback:
    principal.require(WRITE)
    item = Feedback(
        id=new_id(Feedback.ID_PREFIX),
        org_id=principal.org_id,
        user_id=principal.user_id,
        feature=data.feature,
        rating=data.rating,
        comment=data.comment,
        category=data.category.value,
        priority=data.priority.value,
        status=Status.NEW.value,
    )

    def also(tx: Transaction) -> None:
        tallies.adjust(tx, item.org_id, tallies.moved("feedback", "status", None, item.status))

    return entities.create(principal, item, action="feedback.created", also=also)


def get(principal: Principal, feedback_id: str) -> Feedback:
    principal.require(READ)
    return entities.fetch(Feedback, principal.org_id, feedback_id, what="Feedback")


def update(principal: Principal, feedback_id: str, data: FeedbackUpdate, if_match: str | None) -> Feedback:
    """Apply the sent fields; when none changes a value, the item is answered as it is (same version)."""
    principal.require(WRITE)
    item = get(principal, feedback_id)
    concurrency.check(if_match, item.version)
    changes = diff(item, data.model_dump(exclude_unset=True))
    if "status" in changes:
        principal.require(MANAGE)
    elif item.user_id != principal.user_id and not principal.holds(MANAGE):
        raise Forbidden("Only the author or a feedback manager can edit this feedback")

    def also(tx: Transaction) -> None:
        if "status" in changes:
            moved = tallies.moved("feedback", "status", changes.before["status"], item.status)
            tallies.adjust(tx, item.org_id, moved)

    entities.commit_changes(principal, item, changes, action="feedback.updated", if_match=if_match, also=also)
    return item


def list_feedback(
    principal: Principal,
    page: PageRequest,
    *,
    status: Status | None = None,
    category: Category | None = None,
    rating: int | None = None,
    newest_first: bool = True,
) -> Page[Feedback]:
    principal.require(READ)
    org = org_key(principal.org_id)
    condition = None
    if category is not None:
        condition = Feedback.category == category.value
    if rating is not None:
        by_rating = Feedback.rating == rating
        condition = by_rating if condition is None else condition & by_rating
    index = Feedback.gsi2 if status is not None else Feedback.gsi1
    partition = f"{org}#FEEDBACK#STATUS#{status.value}" if status is not None else f"{org}#FEEDBACK"

    def query(limit: int, start: dict[str, Any] | None) -> Iterable[Feedback]:
        return index.query(  # type: ignore[return-value]
            partition,
            filter_condition=condition,
            scan_index_forward=not newest_first,
            limit=limit,
            last_evaluated_key=start,
        )

    def count() -> int:
        return index.count(partition, filter_condition=condition)

    scope = Scope(
        tenant=principal.org_id,
        query={"status": status, "category": category, "rating": rating, "newest": newest_first},
    )
    return paginate_query(query, page, scope, key_of=lambda item: item_key(item, index), count=count)
