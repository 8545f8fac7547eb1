"""The permission catalogue, declared once: every `resource:action` Docket checks, with what it allows.

Services name permissions only through the constants below (`principal.require(permissions.CASES_READ)`);
roles (system and custom), API keys and `GET /roles/permissions` draw from `CATALOGUE`; a check of a
name the catalogue lacks is a programming error (`UnknownPermission`), and a test walks the code for
any. Grants may use wildcards: `cases:*` (every action on a resource) and `*` (every firm
permission). Platform permissions (seed 002's `/admin`) are held only by platform administrators,
never through a firm role or a wildcard.

Seed 001 spells permissions `users.view` / `users.edit`; `parse` reads that spelling too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

WILDCARD = "*"


class Scope(StrEnum):
    FIRM = "firm"
    PLATFORM = "platform"


@dataclass(frozen=True)
class Permission:
    name: str
    description: str
    scope: Scope = Scope.FIRM

    @property
    def resource(self) -> str:
        return self.name.split(":", 1)[0]

    @property
    def action(self) -> str:
        return self.name.split(":", 1)[1]

    def __str__(self) -> str:
        return self.name


class UnknownPermission(LookupError):
    """A name outside the catalogue: in code it is a bug; in a request it is refused as input."""


_DECLARED: list[Permission] = []


def _declare(name: str, description: str, scope: Scope = Scope.FIRM) -> Permission:
    permission = Permission(name, description, scope)
    _DECLARED.append(permission)
    return permission


# --- the firm and its people -----------------------------------------------------------------
ORGANIZATIONS_READ = _declare("organizations:read", "See the firm's profile, settings and statistics")
ORGANIZATIONS_MANAGE = _declare("organizations:manage", "Change the firm's profile, settings and slug")
USERS_READ = _declare("users:read", "See the firm's members and their profiles")
USERS_WRITE = _declare("users:write", "Add members, change their profiles, roles and status")
USERS_DELETE = _declare("users:delete", "Remove members from the firm")
USERS_REVOKE = _declare("users:revoke", "End a member's access and every session at once")
ROLES_READ = _declare("roles:read", "See the firm's roles and what they grant")
ROLES_WRITE = _declare("roles:write", "Create, change and delete custom roles")
INVITATIONS_READ = _declare("invitations:read", "See pending invitations")
INVITATIONS_WRITE = _declare("invitations:write", "Invite people to the firm and withdraw invitations")
AUDIT_READ = _declare("audit:read", "Read the firm's audit trail")
AUDIT_EXPORT = _declare("audit:export", "Export the audit trail for compliance")
APIKEYS_MANAGE = _declare("apikeys:manage", "Create, list and revoke API keys for integrations")
WEBHOOKS_READ = _declare("webhooks:read", "See webhook endpoints and their delivery log")
WEBHOOKS_MANAGE = _declare("webhooks:manage", "Register, change, replay and remove webhook endpoints")
WALLS_MANAGE = _declare("walls:manage", "Put up and take down ethical walls around matters")

# --- practice ----------------------------------------------------------------------------------
CLIENTS_READ = _declare("clients:read", "See clients and the pipeline")
CLIENTS_WRITE = _declare("clients:write", "Add clients, change them and move them through the pipeline")
CLIENTS_DELETE = _declare("clients:delete", "Delete clients")
PIPELINE_MANAGE = _declare("pipeline:manage", "Create, rename, reorder and delete the firm's pipeline stages")
CASES_READ = _declare("cases:read", "See cases, their activities and teams")
CASES_WRITE = _declare("cases:write", "Open cases, change them, log activities and staff them")
CASES_DELETE = _declare("cases:delete", "Delete cases")
TASKS_READ = _declare("tasks:read", "See tasks")
TASKS_WRITE = _declare("tasks:write", "Create, assign and complete tasks")
TASKS_DELETE = _declare("tasks:delete", "Delete tasks")
DISPUTES_READ = _declare("disputes:read", "See disputes")
DISPUTES_WRITE = _declare("disputes:write", "Open disputes and change their status")
DISPUTES_DELETE = _declare("disputes:delete", "Delete draft disputes")
CALENDAR_READ = _declare("calendar:read", "See calendar events")
CALENDAR_WRITE = _declare("calendar:write", "Schedule, change and cancel calendar events")
DOCUMENTS_READ = _declare("documents:read", "See and download documents")
DOCUMENTS_WRITE = _declare("documents:write", "Upload documents and change their details")
DOCUMENTS_DELETE = _declare("documents:delete", "Delete documents")
DOCUMENTS_SIGN = _declare("documents:sign", "Send documents for e-signature")
CONFLICTS_READ = _declare("conflicts:read", "See conflict-of-interest checks")
CONFLICTS_RUN = _declare("conflicts:run", "Run conflict-of-interest checks")
CONFLICTS_WAIVE = _declare("conflicts:waive", "Record a waiver for a conflict")

# --- money ------------------------------------------------------------------------------------
BILLING_READ = _declare("billing:read", "See time entries and invoices")
BILLING_WRITE = _declare("billing:write", "Record time and draft invoices")
BILLING_MANAGE = _declare("billing:manage", "Issue, send, void and credit invoices; record payments")
REPORTS_READ = _declare("reports:read", "Run reports")
REPORTS_EXPORT = _declare("reports:export", "Export reports as CSV or PDF")
SUBSCRIPTIONS_READ = _declare("subscriptions:read", "See the firm's package, features and usage")
SUBSCRIPTIONS_MANAGE = _declare("subscriptions:manage", "Change the firm's package and features")
PAYMENTS_READ = _declare("payments:read", "See the firm's payments")
PAYMENTS_WRITE = _declare("payments:write", "Pay for the firm's package and features")
TRUST_READ = _declare("trust:read", "See trust accounts and client ledgers")
TRUST_WRITE = _declare("trust:write", "Record trust deposits, disbursements and transfers")
TRUST_RECONCILE = _declare("trust:reconcile", "Reconcile trust accounts against bank statements")

# --- collaboration ----------------------------------------------------------------------------
CHATS_READ = _declare("chats:read", "Read the chats one belongs to")
CHATS_WRITE = _declare("chats:write", "Start chats and send messages")
CALLS_WRITE = _declare("calls:write", "Start, join and end calls")
NOTIFICATIONS_READ = _declare("notifications:read", "Read one's notifications")
NOTIFICATIONS_WRITE = _declare("notifications:write", "Mark one's notifications read and set preferences")

# --- helpdesk ---------------------------------------------------------------------------------
FEEDBACK_READ = _declare("feedback:read", "See feedback")
FEEDBACK_WRITE = _declare("feedback:write", "Submit feedback and edit one's own")
FEEDBACK_MANAGE = _declare("feedback:manage", "Triage anyone's feedback")
SUPPORT_READ = _declare("support:read", "See support tickets")
SUPPORT_WRITE = _declare("support:write", "Open support tickets and reply to them")
SUPPORT_MANAGE = _declare("support:manage", "Assign, resolve and close support tickets")
TRAINING_READ = _declare("training:read", "Take training courses")
TRAINING_MANAGE = _declare("training:manage", "Publish training courses")
KNOWLEDGE_READ = _declare("knowledge:read", "Read the knowledge base")
KNOWLEDGE_MANAGE = _declare("knowledge:manage", "Write the knowledge base")

# --- legal research ---------------------------------------------------------------------------
RESEARCH_USE = _declare("research:use", "Search the law, ask questions and consult the assistant")
LAW_READ = _declare("law:read", "Read law documents")
LAW_MANAGE = _declare("law:manage", "Add documents to the firm's private law library")
CREDITS_READ = _declare("credits:read", "See one's research credits and usage")

# --- the client portal ------------------------------------------------------------------------
PORTAL_READ = _declare("portal:read", "See one's own cases, documents, tasks and messages (client)")
PORTAL_WRITE = _declare("portal:write", "Send messages and upload documents to one's firm (client)")

# --- platform administration (seed 002's /admin): never part of a firm role ---------------------
PLATFORM_USERS = _declare(
    "platform:users", "See every user of every firm and change plan roles", Scope.PLATFORM
)
PLATFORM_STATISTICS = _declare("platform:statistics", "See platform-wide usage statistics", Scope.PLATFORM)
PLATFORM_LOGS = _declare("platform:logs", "Read the platform administrators' action log", Scope.PLATFORM)
PLATFORM_LAW = _declare("platform:law", "Manage the platform-wide law library", Scope.PLATFORM)

CATALOGUE: dict[str, Permission] = {p.name: p for p in _DECLARED}
FIRM_PERMISSIONS: tuple[Permission, ...] = tuple(p for p in _DECLARED if p.scope is Scope.FIRM)
#: What a platform administrator's session holds (the authorizer gives them; no firm role can).
PLATFORM_PERMISSIONS: tuple[Permission, ...] = tuple(p for p in _DECLARED if p.scope is Scope.PLATFORM)
RESOURCES: frozenset[str] = frozenset(p.resource for p in _DECLARED)

#: Seed 001's verbs (`users.view`) in the catalogue's actions.
_SEED_VERBS = {"view": "read", "list": "read", "edit": "write", "create": "write", "update": "write"}


def known(name: str) -> Permission:
    """The catalogue's permission of that exact name, or `UnknownPermission`."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownPermission(name) from None


def parse(spelling: str) -> str:
    """A grant as stored: `cases:read`, `cases:*` or `*`; seed 001's `users.view` is `users:read`.
    Anything the catalogue does not know is `UnknownPermission`."""
    text = spelling.strip()
    if text == WILDCARD:
        return WILDCARD
    if ":" not in text and "." in text:
        resource, _, verb = text.partition(".")
        text = f"{resource}:{_SEED_VERBS.get(verb, verb)}"
    resource, _, action = text.partition(":")
    if action == WILDCARD and resource in RESOURCES:
        return text
    return known(text).name


def covers(grants: Iterable[str], permission: Permission | str) -> bool:
    """Whether `grants` (names and wildcards) hold `permission`. Wildcards never reach platform
    permissions: those are held only by name."""
    wanted = permission if isinstance(permission, Permission) else known(permission)
    held = set(grants)
    if wanted.name in held:
        return True
    if wanted.scope is Scope.PLATFORM:
        return False
    return WILDCARD in held or f"{wanted.resource}:{WILDCARD}" in held


def expand(grants: Iterable[str]) -> tuple[Permission, ...]:
    """Every catalogue permission `grants` hold, in catalogue order."""
    held = tuple(grants)
    return tuple(p for p in _DECLARED if covers(held, p))


def may_grant(held: Iterable[str], grant: str) -> bool:
    """Whether someone holding `held` may hand out `grant` (to a role or an API key): nobody grants
    what they do not hold. A wildcard is granted only by the same or a broader wildcard, so a
    permission added to the catalogue later never reaches further than its granter's own grants."""
    held = tuple(held)
    if grant == WILDCARD:
        return WILDCARD in held
    if grant.endswith(f":{WILDCARD}"):
        return WILDCARD in held or grant in held
    return covers(held, grant)


def narrow(grants: Iterable[str], held: Iterable[str]) -> tuple[str, ...]:
    """The part of `grants` that `held` also holds (an API key's grants within its creator's
    current ones). A grant held whole stays as it is, wildcards included; of a wildcard held only
    in part, the catalogue permissions held remain."""
    held = tuple(held)
    narrowed: list[str] = []
    for grant in grants:
        kept = [grant] if may_grant(held, grant) else [p.name for p in expand((grant,)) if covers(held, p)]
        narrowed.extend(name for name in kept if name not in narrowed)
    return tuple(narrowed)
