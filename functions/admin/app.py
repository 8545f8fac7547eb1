"""Admin group: platform administration (seed 002's `/admin`), for platform administrators only.

Administrators are created by `make admin` (never here), sign in at `POST /admin/auth/login` and
act across every firm; a firm's owner, whatever their firm grants, is refused (403).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from docket.admin import admins, log, statistics, users
from docket.admin.log import AdminAction, AdminLogEntry
from docket.admin.models import (
    AdminLoginIn,
    AdminLogList,
    AdminLogOut,
    AdminSession,
    AdminSignedOut,
    AdminSummary,
    DailyStats,
    LogPerson,
    PlatformUser,
    PlatformUserList,
    RoleChanged,
    RoleChangedOut,
    RoleChangeIn,
    StatisticsBody,
    StatisticsOut,
)
from docket.api.deps import IfMatch, PlatformAdministrator
from docket.api.models import Ok
from docket.api.pagination import Cursor, Offset, PageNumber, page_request
from docket.api.resolver import build_app, make_handler
from docket.api.responses import ok
from docket.credits.accounts import Account
from docket.credits.periods import Period
from docket.credits.plans import Plan

router = Router()
TAGS = ["admin"]
#: seed 002's page size for the admin lists
ADMIN_PAGE = 50
AccountId = Annotated[
    str,
    Path(
        min_length=3, max_length=64, description="The user's id (`usr_…`), which names their platform account"
    ),
]
Search = Annotated[str | None, Query(min_length=1, max_length=100, description="Part of the email or name")]


def _client() -> tuple[str | None, str | None]:
    event = router.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    return headers.get("user-agent"), event.request_context.identity.source_ip


@router.post("/admin/auth/login", summary="Sign in as a platform administrator", tags=TAGS)
def login(body: AdminLoginIn) -> Ok[AdminSession]:
    device, ip = _client()
    signed_in = admins.sign_in(body.email, body.password, mfa_code=body.mfa_code, device=device, ip=ip)
    user = signed_in.user
    return Ok(
        data=AdminSession(
            access_token=signed_in.tokens.access_token,
            refresh_token=signed_in.tokens.refresh_token,
            expires_in=signed_in.tokens.expires_in,
            user=AdminSummary(id=user.id, email=user.email, name=user.name),
        )
    )


@router.post("/admin/auth/logout", summary="End this administrator session", tags=TAGS)
def logout(principal: PlatformAdministrator) -> Ok[AdminSignedOut]:
    admins.sign_out(principal)
    return Ok(data=AdminSignedOut(), message="Logged out successfully")


def _platform_user(account: Account) -> PlatformUser:
    return PlatformUser(
        id=account.user_id,
        email=account.email,
        name=account.name,
        role=account.plan,
        total_tokens_used=int(account.total_used or 0),
        last_active=account.last_active_at,
        created_at=account.created_at,
    )


@router.get("/admin/users", summary="Every user of every firm (platform administrators)", tags=TAGS)
def list_users(
    principal: PlatformAdministrator,
    page: PageNumber = None,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Users per page (default 50)")] = None,
    offset: Offset = None,
    cursor: Cursor = None,
    role: Plan | None = None,
    search: Search = None,
) -> Ok[PlatformUserList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset, default_limit=ADMIN_PAGE)
    found = users.list_users(principal, request, plan=role, search=search)
    return Ok(
        data=PlatformUserList(users=[_platform_user(a) for a in found.items], pagination=found.pagination)
    )


@router.put("/admin/users/<accountId>/role", summary="Change a user's plan role (reason required)", tags=TAGS)
def change_role(
    principal: PlatformAdministrator, accountId: AccountId, body: RoleChangeIn, if_match: IfMatch
) -> Response[Ok[RoleChangedOut]]:
    account = users.change_role(principal, accountId, Plan(body.role.value), body.reason, if_match)
    changed = RoleChanged(
        id=account.user_id, email=account.email, role=account.plan, updated_at=account.updated_at
    )
    return ok(RoleChangedOut(user=changed), version=int(account.plan_version))


@router.get("/admin/statistics", summary="Platform-wide usage statistics", tags=TAGS)
def get_statistics(principal: PlatformAdministrator, period: Period = Period.MONTH) -> Ok[StatisticsOut]:
    found = statistics.statistics(principal, period)
    body = StatisticsBody(
        period=found.period,
        total_users=found.total_users,
        active_users=found.active_users,
        new_users=found.new_users,
        total_tokens_used=found.total_tokens_used,
        total_searches=found.total_searches,
        totalQA=found.total_qa,
        total_conversations=found.total_conversations,
        users_by_role=found.users_by_role,
        daily_stats=[DailyStats(**vars(day)) for day in found.days],
    )
    return Ok(data=StatisticsOut(statistics=body))


def _log_entry(entry: AdminLogEntry) -> AdminLogOut:
    target = LogPerson(id=entry.target_id, email=entry.target_email) if entry.target_id else None
    return AdminLogOut(
        id=entry.id,
        admin_user=LogPerson(
            id=entry.admin_id, email=entry.admin_email or None, name=entry.admin_name or None
        ),
        action=entry.action,
        target_user=target,
        details=dict(entry.details or {}),
        created_at=entry.created_at,
    )


@router.get("/admin/logs", summary="What platform administrators did, newest first", tags=TAGS)
def list_logs(
    principal: PlatformAdministrator,
    page: PageNumber = None,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Entries per page (default 50)")] = None,
    offset: Offset = None,
    cursor: Cursor = None,
    action: AdminAction | None = None,
    admin_id: Annotated[str | None, Query(alias="adminId", min_length=3, max_length=64)] = None,
) -> Ok[AdminLogList]:
    request = page_request(limit=limit, cursor=cursor, page=page, offset=offset, default_limit=ADMIN_PAGE)
    found = log.list_entries(principal, request, action=action, admin_id=admin_id)
    return Ok(data=AdminLogList(logs=[_log_entry(e) for e in found.items], pagination=found.pagination))


app = build_app("admin", [router])
handler = make_handler(app)
