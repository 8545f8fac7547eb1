"""API keys for integrations: scoped to an organization and a subset of the creator's permissions.

A key is `dk_<keyId>_<secret>`; it is shown once, and only the secret's SHA-256 is stored (the
secret has 256 bits of entropy, so a slow hash adds nothing). `X-API-Key` works wherever a
bearer token does: the authorizer resolves it to a principal with the key's permissions. Keys
never manage keys (create, list, revoke), whatever their permissions: a leaked key could otherwise
mint itself successors or see its siblings.

Access patterns: key by id `APIKEY#<keyId>` / `META`; a tenant's keys on GSI1
`ORG#<org>#APIKEYS`, newest first.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError

from docket import clock
from docket.api.pagination import Page, PageRequest, Scope, paginate_query
from docket.data.models import TableItem, TenantItem, item_key, org_key
from docket.data.transactions import transaction
from docket.errors import AuthenticationFailed, Forbidden, NotFound, ValidationFailed
from docket.ids import new_id
from docket.security.permissions import APIKEYS_MANAGE, UnknownPermission, may_grant, narrow, parse
from docket.security.principal import Principal

if TYPE_CHECKING:
    from docket.access.standing import Standing

MANAGE = APIKEYS_MANAGE
PREFIX = "dk_"
#: last-used is recorded at most this often per key (a write per request would be wasteful)
LAST_USED_GRANULARITY = timedelta(minutes=5)


class ApiKey(TenantItem, discriminator="api_key"):
    ID_PREFIX = "key"

    name = UnicodeAttribute()
    prefix = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    permissions = ListAttribute(of=UnicodeAttribute, default=list)
    last_used_at = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)

    def keys(self) -> dict[str, str | None]:
        return {
            "pk": f"{org_key(self.org_id)}#APIKEY#{self.id}",
            "sk": "META",
            "gsi1pk": f"{org_key(self.org_id)}#APIKEYS",
            "gsi1sk": f"{self.created_at}#{self.id}",
        }


class ApiKeyPointer(TableItem, discriminator="api_key_pointer"):
    """`APIKEYID#<keyId>` → its tenant and creator: the authorizer has only the key, which names
    neither, and reads the key with its creator's membership in one call."""

    org_id = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(principal: Principal, name: str, permissions: list[str]) -> tuple[ApiKey, str]:
    """A new key (and its full value, which is never shown again)."""
    _require_manage(principal)
    try:
        permissions = [parse(p) for p in permissions]
    except UnknownPermission as exc:
        raise ValidationFailed(
            "Unknown permission",
            details=[{"field": "permissions", "message": f"not in the catalogue: {exc}"}],
        ) from None
    beyond = [p for p in permissions if not may_grant(principal.permissions, p)]
    if beyond:
        raise ValidationFailed(
            "A key cannot hold permissions its creator lacks",
            details=[{"field": "permissions", "message": f"not yours to grant: {', '.join(beyond)}"}],
        )
    key_id = new_id(ApiKey.ID_PREFIX)
    secret = secrets.token_urlsafe(32)
    full = f"{PREFIX}{key_id}_{secret}"
    item = ApiKey(
        id=key_id,
        org_id=principal.org_id,
        name=name,
        prefix=full[:16],
        secret_hash=_hash(secret),
        permissions=list(dict.fromkeys(permissions)),
    )
    with transaction(principal) as tx:
        tx.save(item, condition=ApiKey.pk.does_not_exist())
        tx.save(
            ApiKeyPointer(
                pk=f"APIKEYID#{key_id}", sk="META", org_id=principal.org_id, created_by=principal.user_id
            )
        )
        tx.audit("api_key.created", item, {"name": name, "permissions": permissions})
    return item, full


def _get(org_id: str, key_id: str) -> ApiKey:
    try:
        item = ApiKey.get(f"{org_key(org_id)}#APIKEY#{key_id}", "META")
    except ApiKey.DoesNotExist as exc:
        raise NotFound("API key not found") from exc
    return item


def revoke(principal: Principal, key_id: str) -> ApiKey:
    _require_manage(principal)
    item = _get(principal.org_id, key_id)
    if item.revoked_at is None:
        item.revoked_at = clock.iso()
        with transaction(principal) as tx:
            tx.save(item)
            tx.audit("api_key.revoked", item)
    return item


def list_keys(principal: Principal, page: PageRequest) -> Page[ApiKey]:
    _require_manage(principal)

    def query(limit: int, start: dict[str, Any] | None) -> Any:
        return ApiKey.gsi1.query(
            f"{org_key(principal.org_id)}#APIKEYS",
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )

    scope = Scope(tenant=principal.org_id, query={"list": "api_keys"})
    return paginate_query(query, page, scope, key_of=lambda item: item_key(item, ApiKey.gsi1))


def authenticate(value: str) -> Principal:
    """The principal an `X-API-Key` stands for; anything not exactly a live key is a 401."""
    refused = AuthenticationFailed("Invalid API key")
    # dk_<key>_<ULID>_<secret>: the id has one underscore, the secret may hold more
    parts = value[len(PREFIX) :].split("_", 2) if value.startswith(PREFIX) else []
    if len(parts) != 3 or not parts[2]:
        raise refused
    key_id, secret = f"{parts[0]}_{parts[1]}", parts[2]
    try:
        pointer = ApiKeyPointer.get(f"APIKEYID#{key_id}", "META")
    except ApiKeyPointer.DoesNotExist as exc:
        raise refused from exc
    item, creator = _key_and_creator(pointer, key_id)
    if (
        item is None
        or item.revoked_at is not None
        or not hmac.compare_digest(item.secret_hash, _hash(secret))
    ):
        raise refused
    if creator is None:
        raise AuthenticationFailed("The API key's creator is no longer a member of this organization")
    _touch(item)
    return Principal(
        user_id=item.id,
        org_id=item.org_id,
        roles=("api_key",),
        # a key never holds more than its creator holds now
        permissions=narrow(tuple(str(p) for p in item.permissions or ()), creator.permissions),
        auth_method="api_key",
    )


def _key_and_creator(pointer: ApiKeyPointer, key_id: str) -> tuple[ApiKey | None, Standing | None]:
    """The key and what its creator holds now: one BatchGetItem (key + the creator's membership)
    when the pointer names the creator, else the key first."""
    from docket.access import standing
    from docket.identity.accounts import Membership, membership_key

    key = (f"{org_key(pointer.org_id)}#APIKEY#{key_id}", "META")
    if not pointer.created_by:  # a key made before pointers named their creator
        try:
            alone = ApiKey.get(*key)
        except ApiKey.DoesNotExist:
            return None, None
        return alone, standing.of_member(alone.org_id, alone.created_by) if alone.created_by else None
    member = membership_key(pointer.org_id, pointer.created_by)
    found = {(i.pk, i.sk): i for i in TableItem.batch_get([key, member], consistent_read=True)}
    item, membership = found.get(key), found.get(member)
    if not isinstance(item, ApiKey):
        return None, None
    held = standing.active(membership) if isinstance(membership, Membership) else None
    return item, held if item.created_by == pointer.created_by else None


def _touch(item: ApiKey) -> None:
    now = clock.now()
    if item.last_used_at and item.last_used_at > clock.iso(now - LAST_USED_GRANULARITY):
        return
    with contextlib.suppress(UpdateError):  # a concurrent request recorded it: as good
        item.update(actions=[ApiKey.last_used_at.set(clock.iso(now))])


def _require_manage(principal: Principal) -> None:
    """A person (never a key) holding `apikeys:manage`."""
    if principal.auth_method == "api_key":
        raise Forbidden("API keys cannot create, list or revoke API keys; use a signed-in session")
    principal.require(MANAGE)
