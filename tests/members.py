"""Members for tests that need a signed-in caller without registering a firm through the API.

The authorizer resolves what a caller holds from their membership on every request, so a token
alone grants nothing: `member_session` writes the membership first — the system `roles` given,
plus, for `permissions`, a custom role granting exactly those — then opens a session as a login
does. The entities are the product's own (`accounts.Membership`, `access.roles.CustomRole` with its
number and slug), written in one transaction with their holder counts.
"""

from __future__ import annotations

from docket.access import roles as access_roles
from docket.data import counters
from docket.data.models import org_key
from docket.data.transactions import transaction
from docket.identity import accounts, sessions
from docket.ids import new_id
from docket.security import permissions as catalogue
from docket.security.principal import Principal


def custom_role(
    org_id: str, permissions: tuple[str, ...], *, slug: str | None = None, actor: str = "usr_test"
) -> access_roles.CustomRole:
    """A custom role of the organization granting `permissions`, numbered and with its slug
    claimed as the product stores them (`test-role-<number>` unless `slug` is given)."""
    number = counters.reserve(
        org_id, access_roles.NUMBER_SERIES, yearly=False, first=access_roles.FIRST_CUSTOM_NUMBER
    )
    role = access_roles.CustomRole(
        id=new_id(access_roles.ID_PREFIX),
        org_id=org_id,
        number=number.number,
        name=f"Test role {number.number}",
        slug=slug or f"test-role-{number.number}",
        permissions=[catalogue.parse(p) for p in permissions],
    )
    with transaction(Principal(user_id=actor, org_id=org_id)) as tx:
        tx.save(role)
        tx.save(
            access_roles.RoleSlug(*access_roles.slug_key(org_id, role.slug), org_id=org_id, role_id=role.id)
        )
        number.commit_in(tx)
    return role


def make_member(
    user_id: str, org_id: str, *, roles: tuple[str, ...] = (), permissions: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """Make `user_id` a member of `org_id` holding the system `roles` and `permissions` (through a
    custom role of its own); replaces an earlier membership. Returns the membership's role refs."""
    writer = Principal(user_id=user_id, org_id=org_id)
    refs = list(roles)
    if permissions:
        refs.append(custom_role(org_id, permissions, actor=user_id).id)
    with transaction(writer) as tx:
        access_roles.count_holders(tx, org_id, added=refs)
        pk, sk = accounts.membership_key(org_id, user_id)
        tx.save(
            accounts.Membership(
                pk=pk,
                sk=sk,
                gsi1pk=f"{org_key(org_id)}#MEMBERS",
                gsi1sk=f"2026-01-01T00:00:00.000Z#{user_id}",
                org_id=org_id,
                user_id=user_id,
                roles=refs,
                joined_at="2026-01-01T00:00:00.000Z",
            )
        )
        tx.save(
            accounts.UserOrganization(
                pk=f"USER#{user_id}", sk=f"ORG#{org_id}", org_id=org_id, user_id=user_id, roles=refs
            )
        )
    return tuple(refs)


def member_session(
    user_id: str,
    org_id: str,
    *,
    roles: tuple[str, ...] = (),
    permissions: tuple[str, ...] = (),
    email: str = "",
) -> sessions.Tokens:
    """A session (what a login returns) of a member holding `roles` and `permissions`."""
    refs = make_member(user_id, org_id, roles=roles, permissions=permissions)
    granted = access_roles.grants_of(org_id, refs)
    return sessions.start(user_id=user_id, org_id=org_id, email=email, roles=refs, permissions=granted)
