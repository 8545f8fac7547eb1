"""System roles and what they grant, from the permission catalogue (`docket.security.permissions`).

A law firm's roles: the owner and administrators run the firm; attorneys run matters end to end;
paralegals prepare them (no deletes, no invoicing); staff keep the office (calendar, tasks,
documents, intake); clients reach only the portal. Custom roles per organization come with the
administration issue and draw from the same catalogue.
"""

from __future__ import annotations

from docket.security import permissions as p

OWNER = "owner"
ADMIN = "admin"
ATTORNEY = "attorney"
PARALEGAL = "paralegal"
STAFF = "staff"
CLIENT = "client"

_EVERYONE_IN_THE_FIRM = (
    p.CHATS_READ,
    p.CHATS_WRITE,
    p.CALLS_WRITE,
    p.NOTIFICATIONS_READ,
    p.NOTIFICATIONS_WRITE,
    p.USERS_READ,
    p.ORGANIZATIONS_READ,
    p.FEEDBACK_READ,
    p.FEEDBACK_WRITE,
    p.SUPPORT_READ,
    p.SUPPORT_WRITE,
    p.TRAINING_READ,
    p.KNOWLEDGE_READ,
    p.RESEARCH_USE,
    p.LAW_READ,
    p.CREDITS_READ,
)
_PARALEGAL = (
    *_EVERYONE_IN_THE_FIRM,
    p.CLIENTS_READ,
    p.CLIENTS_WRITE,
    p.CASES_READ,
    p.CASES_WRITE,
    p.TASKS_READ,
    p.TASKS_WRITE,
    p.DISPUTES_READ,
    p.DISPUTES_WRITE,
    p.CALENDAR_READ,
    p.CALENDAR_WRITE,
    p.DOCUMENTS_READ,
    p.DOCUMENTS_WRITE,
    p.CONFLICTS_READ,
    p.CONFLICTS_RUN,
    p.BILLING_READ,
    p.BILLING_WRITE,
    p.TRUST_READ,
    p.REPORTS_READ,
)

SYSTEM_ROLES: dict[str, tuple[str, ...]] = {
    OWNER: (p.WILDCARD,),
    ADMIN: tuple(
        str(x)
        for x in p.FIRM_PERMISSIONS
        # a firm's administrator runs the office, not the client money (that stays with the owner
        # and whom the owner grants it) — and all of the rest
        if x not in (p.TRUST_WRITE, p.TRUST_RECONCILE)
    ),
    ATTORNEY: tuple(
        str(x)
        for x in (
            *_PARALEGAL,
            p.CLIENTS_DELETE,
            p.PIPELINE_MANAGE,
            p.CASES_DELETE,
            p.TASKS_DELETE,
            p.DISPUTES_DELETE,
            p.DOCUMENTS_DELETE,
            p.DOCUMENTS_SIGN,
            p.CONFLICTS_WAIVE,
            p.BILLING_MANAGE,
            p.TRUST_WRITE,
            p.REPORTS_EXPORT,
            p.WALLS_MANAGE,
            p.INVITATIONS_READ,
        )
    ),
    PARALEGAL: tuple(str(x) for x in _PARALEGAL),
    STAFF: tuple(
        str(x)
        for x in (
            *_EVERYONE_IN_THE_FIRM,
            p.CLIENTS_READ,
            p.CLIENTS_WRITE,
            p.CASES_READ,
            p.TASKS_READ,
            p.TASKS_WRITE,
            p.CALENDAR_READ,
            p.CALENDAR_WRITE,
            p.DOCUMENTS_READ,
            p.DOCUMENTS_WRITE,
            p.BILLING_READ,
        )
    ),
    CLIENT: (str(p.PORTAL_READ), str(p.PORTAL_WRITE)),
}


def permissions_of(roles: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    granted: list[str] = []
    for role in roles:
        for permission in SYSTEM_ROLES.get(role, ()):
            if permission not in granted:
                granted.append(permission)
    return tuple(granted)
