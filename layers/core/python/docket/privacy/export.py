"""Everything Docket holds about a person, as JSON: the sections of a personal-data export.

The person is the data subject, so the export spans every organization they belong to: their account
and profile, MFA status (never a seed or a hash), memberships, sessions, known devices, linked
identities, and, in each of their organizations, the API keys they created, the feedback they gave and
the audit entries of what they did. Secrets never leave: no password hash, no MFA seed or backup-code
hashes, no refresh-token or API-key hashes.

`SECTIONS` is the one list of what an export holds: a feature that stores personal data adds its
section here (invitations, credits, messages… as they land). Each section reads through its
entity's index (a user's sessions, an actor's audit entries): no scans. A `Budget` bounds the work
of an inline export: past it, `TooLarge` is raised and the export is prepared by the worker
instead (docket.privacy.jobs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic.alias_generators import to_camel

from docket.data.audit import AuditEntry, actor_partition
from docket.data.models import org_key
from docket.helpdesk.feedback import Feedback
from docket.identity import accounts, sessions
from docket.identity.accounts import Membership, Organization, User
from docket.identity.apikeys import ApiKey
from docket.identity.devices import KnownDevice
from docket.identity.links import IdentityLink

FORMAT = "docket.personal-data/1"


class TooLarge(Exception):
    """More records than an inline answer may hold."""


class Budget:
    """How many records may still be read (None: any number, as the worker reads)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0

    @property
    def query_limit(self) -> int | None:
        """A query's `limit`: one past what is left, so going over is noticed without reading more."""
        return None if self.limit is None else self.limit - self.used + 1

    def take(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        taken = []
        for record in records:
            self.used += 1
            if self.limit is not None and self.used > self.limit:
                raise TooLarge()
            taken.append(record)
        return taken


@dataclass(frozen=True)
class Subject:
    user: User
    #: the organizations the person belongs to
    org_ids: tuple[str, ...]


def _camel(values: dict[str, Any]) -> dict[str, Any]:
    return {to_camel(k): v for k, v in values.items()}


def _plain(value: Any) -> Any:
    if value is None:
        return None
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def _account(subject: Subject, budget: Budget) -> dict[str, Any]:
    user = subject.user
    budget.take([{}])
    return _camel(
        {
            "id": user.id,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "avatar_url": user.avatar_url,
            "address": _plain(user.address),
            "preferences": _plain(user.preferences),
            "status": user.status,
            "email_verified_at": user.email_verified_at,
            "default_organization_id": user.default_org_id,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
        }
    )


def _security(subject: Subject, budget: Budget) -> dict[str, Any]:
    user = subject.user
    budget.take([{}])
    return {
        "passwordSet": user.password_hash is not None,
        "mfa": {
            "enabled": bool(user.mfa_enabled),
            "enrolmentPending": user.mfa_pending_seed is not None,
            "backupCodesRemaining": len(user.mfa_backup_hashes or ()),
        },
    }


def _memberships(subject: Subject, budget: Budget) -> list[dict[str, Any]]:
    keys = [(f"{org_key(org)}#MEMBER#{subject.user.id}", "META") for org in subject.org_ids]
    found = {m.org_id: m for m in Membership.batch_get(keys)} if keys else {}
    names = (
        {o.id: o for o in Organization.batch_get([(org_key(org), "META") for org in found])} if found else {}
    )
    return budget.take(
        {
            "organizationId": org,
            "organizationName": names[org].name if org in names else None,
            "roles": list(found[org].roles or ()),
            "status": found[org].status,
            "joinedAt": found[org].joined_at,
        }
        for org in subject.org_ids
        if org in found
    )


def _sessions(subject: Subject, budget: Budget) -> list[dict[str, Any]]:
    found = sessions.Session.gsi1.query(
        f"USER#{subject.user.id}#SESSIONS", scan_index_forward=False, limit=budget.query_limit
    )
    return budget.take(
        {
            "id": s.session_id,
            "organizationId": s.org_id,
            "device": s.device,
            "ip": s.ip,
            "createdAt": s.created_at,
            "lastUsedAt": s.last_used_at,
            "expiresAt": s.expires_at,
            "status": sessions.status_of(s),
            "revokedAt": s.revoked_at,
            "revokedReason": s.revoked_reason,
        }
        for s in found
        if isinstance(s, sessions.Session)
    )


def _devices(subject: Subject, budget: Budget) -> list[dict[str, Any]]:
    found = KnownDevice.query(
        f"USER#{subject.user.id}", KnownDevice.sk.startswith("DEVICE#"), limit=budget.query_limit
    )
    return budget.take(
        {"device": d.device, "firstSeenAt": d.first_seen_at, "firstIp": d.first_ip}
        for d in found
        if isinstance(d, KnownDevice)
    )


def _identities(subject: Subject, budget: Budget) -> list[dict[str, Any]]:
    found = IdentityLink.gsi1.query(f"USER#{subject.user.id}#IDENTITIES", limit=budget.query_limit)
    return budget.take(
        {"provider": i.provider, "issuer": i.issuer, "subject": i.subject, "linkedAt": i.linked_at}
        for i in found
        if isinstance(i, IdentityLink)
    )


def _api_keys(subject: Subject, budget: Budget) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for org in subject.org_ids:
        found = ApiKey.gsi1.query(
            f"{org_key(org)}#APIKEYS",
            filter_condition=ApiKey.created_by == subject.user.id,
            limit=budget.query_limit,
        )
        records += budget.take(
            {
                "id": k.id,
                "organizationId": k.org_id,
                "name": k.name,
                "prefix": k.prefix,
                "permissions": list(k.permissions or ()),
                "createdAt": k.created_at,
                "lastUsedAt": k.last_used_at,
                "revokedAt": k.revoked_at,
            }
            for k in found
            if isinstance(k, ApiKey)
        )
    return records


def _feedback(subject: Subject, budget: Budget) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for org in subject.org_ids:
        found = Feedback.gsi1.query(
            f"{org_key(org)}#FEEDBACK",
            filter_condition=Feedback.user_id == subject.user.id,
            limit=budget.query_limit,
        )
        records += budget.take(
            {
                "id": f.id,
                "organizationId": f.org_id,
                "feature": f.feature,
                "rating": int(f.rating),
                "comment": f.comment,
                "category": f.category,
                "priority": f.priority,
                "status": f.status,
                "createdAt": f.created_at,
                "updatedAt": f.updated_at,
            }
            for f in found
            if isinstance(f, Feedback)
        )
    return records


def _audit_trail(subject: Subject, budget: Budget) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for org in subject.org_ids:
        found = AuditEntry.gsi1.query(actor_partition(org, subject.user.id), limit=budget.query_limit)
        records += budget.take(
            {
                "id": e.id,
                "organizationId": e.org_id,
                "action": e.action,
                "entityType": e.entity_type,
                "entityId": e.entity_id,
                "changes": e.changes,
                "requestId": e.request_id,
                "createdAt": e.created_at,
            }
            for e in found
            if isinstance(e, AuditEntry)
        )
    return records


Collector = Callable[[Subject, Budget], Any]

#: section name → what reads it, in the order an export lists them
SECTIONS: tuple[tuple[str, Collector], ...] = (
    ("account", _account),
    ("security", _security),
    ("memberships", _memberships),
    ("sessions", _sessions),
    ("devices", _devices),
    ("linkedIdentities", _identities),
    ("apiKeys", _api_keys),
    ("feedback", _feedback),
    ("auditTrail", _audit_trail),
)


def collect(user_id: str, *, limit: int | None = None) -> dict[str, Any]:
    """The person's data, section by section; `TooLarge` past `limit` records."""
    user = accounts.get_user(user_id)
    subject = Subject(user, tuple(m.org_id for m in accounts.memberships_of(user.id)))
    budget = Budget(limit)
    data: dict[str, Any] = {"format": FORMAT, "userId": user.id}
    for name, read in SECTIONS:
        data[name] = read(subject, budget)
    data["records"] = budget.used
    return data
