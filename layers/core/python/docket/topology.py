"""The deployment topology, declared once.

Which resource group owns which path prefixes, which routes are public, which rate-limit category
a route falls in, which queues exist and which function consumes each. The CDK app, the local
emulator, the resolvers and the tests all read this module; nothing else restates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

#: Bodies API Gateway passes to Lambda base64-encoded (uploads); the stack and the emulator read this.
BINARY_MEDIA_TYPES: tuple[str, ...] = (
    "multipart/form-data",
    "application/octet-stream",
    "application/pdf",
    "image/*",
)

#: Base paths the seeds' clients use; every deployment maps all of them onto the stage.
BASE_PATHS: tuple[str, ...] = ("/api/v1", "/v1", "/api")
STAGE = "v1"


class RateCategory(StrEnum):
    """Seed 000's rate-limit table (and seed 002's admin line)."""

    AUTH = "auth"
    READ = "read"
    WRITE = "write"
    UPLOAD = "upload"
    REPORTS = "reports"
    ADMIN = "admin"


@dataclass(frozen=True)
class RateLimit:
    per_hour: int
    burst_per_minute: int


RATE_LIMITS: dict[RateCategory, RateLimit] = {
    RateCategory.AUTH: RateLimit(per_hour=100, burst_per_minute=10),
    RateCategory.READ: RateLimit(per_hour=1000, burst_per_minute=100),
    RateCategory.WRITE: RateLimit(per_hour=500, burst_per_minute=50),
    RateCategory.UPLOAD: RateLimit(per_hour=100, burst_per_minute=10),
    RateCategory.REPORTS: RateLimit(per_hour=100, burst_per_minute=10),
    # seed 002: "Admin endpoints: 100 requests per minute"
    RateCategory.ADMIN: RateLimit(per_hour=6000, burst_per_minute=100),
}


@dataclass(frozen=True)
class Route:
    """One explicit route: `method` is an HTTP verb, `path` an API Gateway resource path."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class ApiGroup:
    """A resource group: one Lambda, the path prefixes it owns, its public routes."""

    name: str
    prefixes: tuple[str, ...]
    public: tuple[Route, ...] = ()
    #: Category for routes of this group when the method alone does not decide it.
    category: RateCategory | None = None
    #: Per-route overrides of the rate category, e.g. uploads.
    categories: dict[Route, RateCategory] = field(default_factory=dict)
    #: Routes no rate limit counts (no `UpdateItem`): health checks, which monitors and load
    #: balancers poll and which read nothing; API Gateway's stage throttling still guards them.
    unlimited: tuple[Route, ...] = ()
    #: Memory for the group's Lambda, in MB.
    memory_mb: int = 512
    #: The group serves platform administrators, who act outside every firm (seed 002's `/admin`):
    #: no firm role reaches it, and the tenant-isolation checks of firm routes do not apply.
    platform: bool = False

    @property
    def function_name(self) -> str:
        return self.name


#: The group that signs people in (it alone reads the sign-in providers' client secrets).
AUTH_GROUP = "auth"

API_GROUPS: tuple[ApiGroup, ...] = (
    ApiGroup(
        name="platform",
        prefixes=("/health",),
        public=(Route("GET", "/health"),),
        unlimited=(Route("GET", "/health"),),
        memory_mb=256,
    ),
    ApiGroup(
        name="docs",
        prefixes=("/openapi.json", "/docs"),
        public=(Route("GET", "/openapi.json"), Route("GET", "/docs")),
        memory_mb=256,
    ),
    ApiGroup(
        name=AUTH_GROUP,
        prefixes=("/auth", "/token", "/mfa", "/.well-known"),
        public=(
            Route("POST", "/auth/organization/register"),
            Route("GET", "/auth/verify-email"),
            Route("POST", "/auth/resend-verification"),
            Route("POST", "/auth/login"),
            Route("GET", "/auth/callback"),
            Route("GET", "/auth/csrf"),
            Route("POST", "/auth/verify-mfa"),
            Route("POST", "/auth/refresh"),
            Route("POST", "/auth/forgot-password"),
            Route("POST", "/auth/reset-password"),
            Route("POST", "/auth/token"),
            Route("POST", "/token"),
            Route("POST", "/token/refresh"),
            Route("GET", "/.well-known/jwks.json"),
        ),
        category=RateCategory.AUTH,
    ),
    ApiGroup(name="helpdesk", prefixes=("/feedback",)),
    # the practice core (issue 9): clients and the firm's pipeline stages (seeds 000, 004)
    ApiGroup(name="clients", prefixes=("/clients", "/pipeline")),
    # cases with their activities and teams, behind the firm's ethical walls (seed 000)
    ApiGroup(name="cases", prefixes=("/cases",)),
    # users, organizations and roles (seed 001); other groups may own more specific prefixes beneath these
    # (`/organizations/me/package`): the most specific resource wins, as in API Gateway
    ApiGroup(
        name="directory",
        prefixes=("/users", "/user", "/organizations", "/roles", "/invitations"),
        # what an invitation's token opens, and accepting it: the token is the credential
        public=(
            Route("GET", "/invitations/token/{token}"),
            Route("POST", "/invitations/accept/{token}"),
        ),
        categories={
            Route("GET", "/invitations/token/{token}"): RateCategory.AUTH,
            Route("POST", "/invitations/accept/{token}"): RateCategory.AUTH,
        },
    ),
    # the audit trail (seed 001) and its compliance reads and exports (seed 004)
    ApiGroup(name="audit", prefixes=("/audit-logs", "/compliance")),
    # platform administration (seed 002): administrators created by `make admin`, signing in at
    # their own door, acting across tenants, every action in the admin log
    ApiGroup(
        name="admin",
        prefixes=("/admin",),
        public=(Route("POST", "/admin/auth/login"),),
        category=RateCategory.ADMIN,
        categories={Route("POST", "/admin/auth/login"): RateCategory.AUTH},
        platform=True,
    ),
    # the practice core (issue 9): tasks with their bulk operations, and credit disputes (seed 004)
    ApiGroup(name="tasks", prefixes=("/tasks", "/disputes")),
    # the practice core (issue 9): the firm's calendar (seed 000)
    ApiGroup(name="calendar", prefixes=("/calendar",)),
)


#: What a session may call while its organization requires MFA and the user has not enrolled yet.
MFA_SETUP_ROUTES: tuple[Route, ...] = (
    Route("GET", "/mfa/check"),
    Route("POST", "/mfa/setup/initialize"),
    Route("POST", "/mfa/setup/verify"),
    Route("POST", "/auth/logout"),
)


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue fed by an EventBridge rule, drained by one consumer function."""

    name: str
    consumer: str
    #: EventBridge `detail-type` values routed to the queue; empty means every Docket event.
    detail_types: tuple[str, ...] = ()
    batch_size: int = 10
    max_receive_count: int = 5
    consumer_timeout_s: int = 30
    #: the consumer writes files to the documents bucket (exports)
    writes_documents: bool = False


QUEUES: tuple[QueueSpec, ...] = (
    # Realtime fan-out and in-app notifications: every domain event.
    QueueSpec(name="notifications", consumer="notifier"),
    # Audit exports (POST /compliance/export-audit-data): the worker writes the file to S3.
    QueueSpec(
        name="audit-exports",
        consumer="auditexport",
        detail_types=("audit_export.created",),
        batch_size=1,
        max_receive_count=3,
        consumer_timeout_s=600,
        writes_documents=True,
    ),
    # Personal-data exports (GDPR) too large to answer inline: docket.privacy.jobs.
    QueueSpec(
        name="data-exports",
        consumer="exporter",
        detail_types=("data_export.created",),
        batch_size=1,
        consumer_timeout_s=300,
        writes_documents=True,
    ),
)


#: Files made for download (personal-data and audit exports) carry this S3 tag; the bucket's lifecycle
#: rule deletes them after `EXPORT_RETENTION_DAYS`.
EXPORT_TAG: tuple[str, str] = ("docket-retention", "export")
EXPORT_RETENTION_DAYS = 7


@dataclass(frozen=True)
class ScheduleSpec:
    """A periodic job: an EventBridge Scheduler schedule invoking `function` with `{"job": name}`."""

    name: str
    function: str
    #: `rate(...)` or `cron(...)`, EventBridge Scheduler syntax.
    expression: str


#: The function that runs the scheduled jobs (`functions/jobs`: a job name → service table).
JOBS = "jobs"

#: Periodic jobs (reminders, overdue invoices, credit resets) register here as they land.
SCHEDULES: tuple[ScheduleSpec, ...] = (
    # every 15 minutes on the month's first three days: each run resets a bounded page of the
    # platform's accounts and resumes where the previous one stopped; a finished month is a no-op
    # (docket.credits.reset). Accounts the job has not reached yet reset on first use.
    ScheduleSpec(name="credits-monthly-reset", function=JOBS, expression="cron(0/15 * 1-3 * ? *)"),
)

#: Functions that are neither API groups nor queue consumers.
AUTHORIZER = "authorizer"
WEBSOCKET = "websocket"
PUBLISHER = "publisher"
#: Creates the token signing key set at deploy time (a custom resource) and rotates it (Secrets Manager).
KEYS = "keys"
WEBSOCKET_ROUTES: tuple[str, ...] = ("$connect", "$disconnect", "$default")
#: The query parameter a WebSocket `$connect` carries the access token in (`wss://…/v1?token=…`:
#: browsers cannot set headers on a WebSocket). It is the WebSocket authorizer's identity source, so
#: API Gateway — and the emulator — refuse a `$connect` without it (401) before the authorizer runs.
WEBSOCKET_TOKEN_PARAMETER = "token"


def websocket_identity_sources() -> tuple[str, ...]:
    """The WebSocket authorizer's identity sources, in API Gateway's notation."""
    return (f"route.request.querystring.{WEBSOCKET_TOKEN_PARAMETER}",)


#: Source of every event Docket puts on its bus.
EVENT_SOURCE = "docket"


def group(name: str) -> ApiGroup:
    for candidate in API_GROUPS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def all_function_names() -> tuple[str, ...]:
    names = [g.function_name for g in API_GROUPS]
    names += [AUTHORIZER, WEBSOCKET, PUBLISHER, KEYS]
    names += sorted({q.consumer for q in QUEUES})
    names += sorted({s.function for s in SCHEDULES} - set(names))
    return tuple(names)


def strip_base_path(path: str) -> str:
    """`/api/v1/cases/` → `/cases/`; paths outside every base path are returned unchanged."""
    for base in BASE_PATHS:
        if path == base:
            return "/"
        if path.startswith(base + "/"):
            return path[len(base) :]
    return path


@dataclass(frozen=True)
class ApiMethod:
    """One API Gateway method: `ANY` on a prefix (authorized), or an explicit public method."""

    group: ApiGroup
    resource: str
    method: str
    public: bool


def api_methods() -> tuple[ApiMethod, ...]:
    """Every REST method the stack declares; the CDK app builds these and the tests compare them.

    Each prefix gets `ANY` (behind the authorizer) and a public `OPTIONS` (CORS preflights carry
    no credentials), on the prefix itself and on its `{proxy+}` child; public routes get their
    own method without the authorizer (a public GET a public HEAD too).
    """
    methods: list[ApiMethod] = []
    for api_group in API_GROUPS:
        for prefix in api_group.prefixes:
            for resource in (prefix, f"{prefix}/{{proxy+}}"):
                methods.append(ApiMethod(api_group, resource, "ANY", public=False))
                methods.append(ApiMethod(api_group, resource, "OPTIONS", public=True))
        for route in api_group.public:
            methods.append(ApiMethod(api_group, route.path, route.method, public=True))
            if route.method == "GET":
                # the resolver answers HEAD as GET; without its own public method a HEAD would
                # fall to the prefix's authorized ANY
                methods.append(ApiMethod(api_group, route.path, "HEAD", public=True))
            # a public route is its own resource: it needs its own CORS preflight method
            if route.path not in api_group.prefixes:
                methods.append(ApiMethod(api_group, route.path, "OPTIONS", public=True))
    methods += _bridging_methods({m.resource for m in methods})
    unique: dict[tuple[str, str], ApiMethod] = {}
    for method in methods:
        unique.setdefault((method.resource, method.method), method)
    return tuple(unique.values())


def _bridging_methods(resources: set[str]) -> list[ApiMethod]:
    """Methods for the resources API Gateway creates only as parents of deeper ones.

    `/auth/organization/register` makes an `/auth/organization` resource; a later group owning
    `/organizations/me/package` makes `/organizations/me`. Without methods of their own, API Gateway
    answers such a path itself ("Missing Authentication Token") instead of the group whose
    `{proxy+}` covers it, so each one, and its `{proxy+}` child, goes to that group explicitly.
    """
    prefixes = [(prefix, api_group) for api_group in API_GROUPS for prefix in api_group.prefixes]
    bridging: list[ApiMethod] = []
    parents = {
        "/" + "/".join(resource.strip("/").split("/")[:depth])
        for resource in resources
        for depth in range(1, resource.strip("/").count("/") + 1)
    }
    for parent in sorted(parents - resources):
        covering = [(prefix, g) for prefix, g in prefixes if parent.startswith(prefix + "/")]
        if not covering:
            continue
        owner = max(covering, key=lambda found: len(found[0]))[1]
        for resource in (parent, f"{parent}/{{proxy+}}"):
            bridging.append(ApiMethod(owner, resource, "ANY", public=False))
            bridging.append(ApiMethod(owner, resource, "OPTIONS", public=True))
    return bridging


@dataclass(frozen=True)
class RouteMatch:
    group: ApiGroup
    #: The API Gateway resource the request lands on (`/feedback/{proxy+}` or an explicit route).
    resource: str
    path_parameters: dict[str, str]
    public: bool


def _pattern(resource: str) -> re.Pattern[str]:
    parts = []
    for segment in resource.strip("/").split("/"):
        if segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>[\\s\\S]+)")
        elif segment.startswith("{"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    # `\Z`, not `$` (which also matches before a final line feed), and a greedy part takes any byte
    return re.compile("^/" + "/".join(parts) + "/?\\Z")


@lru_cache(maxsize=1)
def _resource_table() -> tuple[tuple[str, re.Pattern[str], dict[str, ApiMethod]], ...]:
    """Every API Gateway resource with its methods, most specific first."""
    resources: dict[str, dict[str, ApiMethod]] = {}
    for method in api_methods():
        resources.setdefault(method.resource, {})[method.method] = method

    def specificity(resource: str) -> tuple[int, int, int]:
        segments = resource.strip("/").split("/")
        literal = sum(1 for s in segments if not s.startswith("{"))
        greedy = any(s.endswith("+}") for s in segments)
        return (0 if greedy else 1, literal, len(segments))

    ordered = sorted(resources, key=specificity, reverse=True)
    return tuple((r, _pattern(r), resources[r]) for r in ordered)


def match(method: str, path: str) -> RouteMatch | None:
    """Resolve a stage-relative path the way API Gateway does: the most specific resource whose
    path matches wins, then its method (or `ANY`); a resource without that method is no route
    (API Gateway's "Missing Authentication Token", which the stack answers as a 404)."""
    for resource, pattern, methods in _resource_table():
        found = pattern.match(path)
        if not found:
            continue
        chosen = methods.get(method) or methods.get("ANY")
        if chosen is None:
            return None
        params = {k: v for k, v in found.groupdict().items() if v is not None}
        return RouteMatch(group=chosen.group, resource=resource, path_parameters=params, public=chosen.public)
    return None


_RULE_PARAMETER = re.compile(r"<(\w+)>")


def rate_category(group_name: str, method: str, resource: str) -> RateCategory | None:
    """The rate-limit category a route counts against; None for a route no limit counts. `resource`
    may be a resolver's rule (`/invitations/token/<token>`)."""
    api_group = group(group_name)
    route = Route(method, _RULE_PARAMETER.sub(r"{\1}", resource))
    if route in api_group.unlimited:
        return None
    override = api_group.categories.get(route)
    if override is not None:
        return override
    if api_group.category is not None:
        return api_group.category
    return RateCategory.READ if method in ("GET", "HEAD", "OPTIONS") else RateCategory.WRITE
