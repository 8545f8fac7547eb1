"""External identities linked to Docket users: `(issuer, subject)` → user.

A link is what lets an identity provider's user keep their Docket account when their email changes
there: OIDC sign-in creates it on the first success (matched by a verified email), and the
authorizer maps a trusted issuer's (Cognito's) access tokens through it before falling back to the
email. Links are read on the authorizer's path, which only reads the table, and written by the auth
function.

Access patterns (docs/access-patterns.md):
- link by identity:   pk = IDENTITY#<issuer>#<subject>, sk = LINK
- a user's links:     gsi1 USER#<user>#IDENTITIES
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from docket import clock
from docket.data.models import TableItem
from docket.errors import Conflict


class IdentityLink(TableItem, discriminator="identity_link"):
    issuer = UnicodeAttribute()
    subject = UnicodeAttribute()
    user_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    linked_at = UnicodeAttribute()


def _key(issuer: str, subject: str) -> tuple[str, str]:
    return f"IDENTITY#{issuer}#{subject}", "LINK"


def linked_user(issuer: str, subject: str) -> str | None:
    """The Docket user id linked to this identity, if any."""
    try:
        return IdentityLink.get(*_key(issuer, subject)).user_id
    except IdentityLink.DoesNotExist:
        return None


def link(*, issuer: str, subject: str, user_id: str, provider: str) -> IdentityLink:
    """Link the identity to the user; linking it to someone else is a conflict, again is a no-op."""
    existing = linked_user(issuer, subject)
    if existing == user_id:
        return IdentityLink.get(*_key(issuer, subject))
    if existing is not None:
        raise Conflict("This identity is linked to another Docket account")
    now = clock.iso()
    pk, sk = _key(issuer, subject)
    item = IdentityLink(
        pk=pk,
        sk=sk,
        gsi1pk=f"USER#{user_id}#IDENTITIES",
        gsi1sk=f"{now}#{provider}",
        issuer=issuer,
        subject=subject,
        user_id=user_id,
        provider=provider,
        linked_at=now,
    )
    try:
        item.save(condition=IdentityLink.pk.does_not_exist())
    except PutError as exc:  # linked concurrently
        if linked_user(issuer, subject) == user_id:
            return item
        raise Conflict("This identity is linked to another Docket account") from exc
    return item


def links_of(user_id: str) -> list[IdentityLink]:
    return [i for i in IdentityLink.gsi1.query(f"USER#{user_id}#IDENTITIES") if isinstance(i, IdentityLink)]
