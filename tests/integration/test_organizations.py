"""Organizations (seed 001): the firm's profile and settings, its slug, its counts, the caller's
memberships, and switching organization."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from docket.identity import accounts, apikeys, mfa, roles, sessions
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from docket.settings import Settings
from tests.integration.conftest import TimeTravel
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD, actions, register
from tests.integration.test_mfa_requirement import _add_member
from tests.members import join_firm as join

pytestmark = pytest.mark.usefixtures("frozen")  # audit entries are read by day


def signed_in(email: str, organization_id: str | None = None) -> Principal:
    token = accounts.login(email, PASSWORD, organization_id=organization_id).tokens.access_token
    return authenticate_rest({"Authorization": f"Bearer {token}"})


def firm(email: str = "owner@firm.example") -> tuple[accounts.Registered, Principal]:
    done = register(email)
    return done, signed_in(email)


# --- the firm's profile ------------------------------------------------------------------------


def test_seed_001_update_organization(aws: Settings) -> None:
    # Given a firm, as its owner reads it
    done, owner = firm()
    before = call("directory", "GET", "/organizations/me", principal=owner)
    assert before.status == 200, before.body
    assert before.headers["ETag"] == '"v0"'
    assert before.data["settings"]["currency"] == "USD"
    # When seed 001's body is sent
    body = {"name": "New Name", "email": "newemail@example.com", "phone": "+1234567890"}
    reply = call("directory", "PUT", "/organizations/me", principal=owner, body=body)
    # Then it changed, once, audited
    assert reply.status == 200, reply.body
    assert reply.headers["ETag"] == '"v1"'
    assert {k: reply.data[k] for k in body} == body
    assert actions(done.organization.id).count("organization.updated") == 1
    # And the same body again changes nothing
    again = call("directory", "PUT", "/organizations/me", principal=owner, body=body)
    assert again.headers["ETag"] == '"v1"'
    assert actions(done.organization.id).count("organization.updated") == 1


def test_the_letterhead_and_if_match(aws: Settings) -> None:
    _, owner = firm()
    body = {
        "address": {"street": "1 Court Rd", "city": "Pune", "country": "India"},
        "website": "https://acme-law.example",
        "logoUrl": "https://cdn.example.com/logo.png",
        "taxId": "27AAPFU0939F1ZV",
    }
    reply = call(
        "directory", "PUT", "/organizations/me", principal=owner, body=body, headers={"If-Match": '"v0"'}
    )
    assert reply.status == 200, reply.body
    assert reply.data["address"]["city"] == "Pune"
    stale = call(
        "directory",
        "PUT",
        "/organizations/me",
        principal=owner,
        body={"taxId": None},
        headers={"If-Match": '"v0"'},
    )
    assert stale.status == 412, stale.body
    assert accounts.get_organization(owner.org_id).tax_id == "27AAPFU0939F1ZV"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"website": "ftp://acme.example"}, "website"),
        ({"logoUrl": "http://cdn.example.com/logo.png"}, "logoUrl"),
        ({"email": "not an address"}, "email"),
        ({"name": ""}, "name"),
        ({"slug": "acme"}, "slug"),
        ({"id": "org_other"}, "id"),
        ({"version": 3}, "version"),
        ({"settings": {"currency": "EUR"}}, "settings"),
    ],
)
def test_bad_organization_input_is_refused(aws: Settings, body: dict[str, Any], field: str) -> None:
    _, owner = firm()
    reply = call("directory", "PUT", "/organizations/me", principal=owner, body=body)
    assert reply.status == 400, reply.body
    assert field in [d["field"] for d in reply.error["details"]]
    assert accounts.get_organization(owner.org_id).version is None


def test_a_staff_member_reads_but_does_not_change_the_organization(aws: Settings) -> None:
    done, _ = firm()
    _add_member(done.organization.id, "staff@firm.example")
    staff = signed_in("staff@firm.example")
    assert call("directory", "GET", "/organizations/me", principal=staff).status == 200
    assert call("directory", "GET", "/organizations/me/stats", principal=staff).status == 200
    for path, body in (("/organizations/me", {"name": "Mine"}), ("/organizations/me/slug", {"slug": "mine"})):
        assert call("directory", "PUT", path, principal=staff, body=body).status == 403


# --- settings ------------------------------------------------------------------------------------


def test_settings_change_what_is_sent_and_answer_all(aws: Settings) -> None:
    done, owner = firm()
    body = {
        "settings": {
            "timeZone": "Asia/Kolkata",
            "currency": "inr",
            "defaultBillingRate": {"amount": 250000},
            "dateFormat": "DD/MM/YYYY",
            "weekStart": "sunday",
            "fiscal_year_start_month": 4,
        }
    }
    reply = call("directory", "PUT", "/organizations/me/settings", principal=owner, body=body)
    assert reply.status == 200, reply.body
    settings = reply.data["settings"]
    assert settings["timeZone"] == "Asia/Kolkata"
    assert settings["currency"] == "INR"
    # the rate is in minor units of the firm's currency unless it names another
    assert settings["defaultBillingRate"] == {"amount": 250000, "currency": "INR", "minorUnits": 2}
    assert (settings["dateFormat"], settings["weekStart"], settings["fiscalYearStartMonth"]) == (
        "DD/MM/YYYY",
        "sunday",
        4,
    )
    assert (settings["requireMfa"], settings["timeFormat"], settings["language"]) == (False, "24h", "en")
    # one setting later: the others stay
    later = call(
        "directory",
        "PUT",
        "/organizations/me/settings",
        principal=owner,
        body={"settings": {"timeFormat": "12h"}},
    )
    assert later.data["settings"] == {**settings, "timeFormat": "12h"}
    # and the organization answers the same settings
    assert (
        call("directory", "GET", "/organizations/me", principal=owner).data["settings"]
        == later.data["settings"]
    )
    assert actions(done.organization.id).count("organization.settings_updated") == 2


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"currency": "XYZ"}, "settings.currency"),
        ({"timeZone": "Asia/Atlantis"}, "settings.timeZone"),
        ({"defaultBillingRate": {"amount": -1}}, "settings.defaultBillingRate.amount"),
        ({"defaultBillingRate": {"amount": 10.5}}, "settings.defaultBillingRate.amount"),
        ({"defaultBillingRate": {"amount": 100, "currency": "ABC"}}, "settings.defaultBillingRate.currency"),
        ({"dateFormat": "YY"}, "settings.dateFormat"),
        ({"weekStart": "friday"}, "settings.weekStart"),
        ({"fiscalYearStartMonth": 13}, "settings.fiscalYearStartMonth"),
        ({"colour": "blue"}, "settings.colour"),
    ],
)
def test_bad_settings_are_refused_with_their_field(
    aws: Settings, settings: dict[str, Any], field: str
) -> None:
    _, owner = firm()
    reply = call(
        "directory", "PUT", "/organizations/me/settings", principal=owner, body={"settings": settings}
    )
    assert reply.status == 400, reply.body
    assert field in [d["field"] for d in reply.error["details"]]
    assert accounts.get_organization(owner.org_id).version is None


# --- the slug ------------------------------------------------------------------------------------


def test_seed_001_slug_is_unique_across_the_platform(aws: Settings) -> None:
    # Given two firms
    done, owner = firm()
    other, rival = firm("rival@other.example")
    registered_slug = done.organization.slug
    # When the first takes seed 001's slug
    reply = call("directory", "PUT", "/organizations/me/slug", principal=owner, body={"slug": "new-slug"})
    assert reply.status == 200, reply.body
    assert reply.data["slug"] == "new-slug"
    assert actions(done.organization.id).count("organization.slug_changed") == 1
    # Then the second cannot have it, and is told which field
    taken = call("directory", "PUT", "/organizations/me/slug", principal=rival, body={"slug": "New-Slug"})
    assert taken.status == 409, taken.body
    assert taken.error["details"][0]["field"] == "slug"
    assert accounts.get_organization(other.organization.id).slug == other.organization.slug
    # And a registered slug is claimed as well: the first firm cannot take the second's
    back = call(
        "directory", "PUT", "/organizations/me/slug", principal=owner, body={"slug": other.organization.slug}
    )
    assert back.status == 409, back.body
    # But the second can have the slug the first one gave up
    freed = call(
        "directory", "PUT", "/organizations/me/slug", principal=rival, body={"slug": registered_slug}
    )
    assert freed.status == 200, freed.body


@pytest.mark.parametrize(
    "slug",
    ["admin", "api", "www", "docs", "auth", "-acme", "acme-", "ac--me", "ab", "a" * 49, "acme_law", "acmé"],
)
def test_bad_or_reserved_slugs_are_refused(aws: Settings, slug: str) -> None:
    _, owner = firm()
    reply = call("directory", "PUT", "/organizations/me/slug", principal=owner, body={"slug": slug})
    assert reply.status == 400, reply.body
    assert reply.error["details"][0]["field"] == "slug"
    assert accounts.get_organization(owner.org_id).version is None


def test_the_same_slug_again_changes_nothing(aws: Settings) -> None:
    _, owner = firm()
    assert (
        call("directory", "PUT", "/organizations/me/slug", principal=owner, body={"slug": "acme-law"}).status
        == 200
    )
    again = call("directory", "PUT", "/organizations/me/slug", principal=owner, body={"slug": "ACME-LAW"})
    assert again.status == 200
    assert again.headers["ETag"] == '"v1"'


# --- counts --------------------------------------------------------------------------------------


def test_stats_are_kept_by_the_writes(aws: Settings) -> None:
    # Given a new firm: its owner is its one member
    _, owner = firm()
    stats = call("directory", "GET", "/organizations/me/stats", principal=owner).data
    assert stats["members"] == {"total": 1, "byStatus": {"active": 1}, "byRole": {"owner": 1}}
    assert stats["feedback"] == {"total": 0, "byStatus": {}}
    # When feedback comes in and is triaged, and a key is made and one revoked
    made = call("helpdesk", "POST", "/feedback", principal=owner, body={"feature": "Cases", "rating": 4}).data
    call("helpdesk", "POST", "/feedback", principal=owner, body={"feature": "Docs", "rating": 2})
    call("helpdesk", "PUT", f"/feedback/{made['id']}", principal=owner, body={"status": "reviewed"})
    apikeys.create(owner, "Kept", ["feedback:read"])
    gone, _ = apikeys.create(owner, "Gone", ["feedback:read"])
    apikeys.revoke(owner, gone.id)
    # Then the counts say so
    stats = call("directory", "GET", "/organizations/me/stats", principal=owner).data
    assert stats["feedback"] == {"total": 2, "byStatus": {"new": 1, "reviewed": 1}}
    assert stats["apiKeys"] == {"active": 1}


# --- the caller's organizations and switching ------------------------------------------------------


def two_firms() -> tuple[accounts.Registered, accounts.Registered, Principal]:
    """A user who owns one firm and is an attorney at another."""
    home = register("owner@firm.example")
    away = register("partner@other.example")
    join(away.organization.id, home.user.id, roles.ATTORNEY)
    return home, away, signed_in("owner@firm.example", home.organization.id)


def test_the_callers_organizations_with_the_current_one_marked(aws: Settings) -> None:
    home, away, principal = two_firms()
    reply = call("directory", "GET", "/organizations", principal=principal)
    assert reply.status == 200, reply.body
    listed = {o["id"]: o for o in reply.data["organizations"]}
    assert listed[home.organization.id]["current"] is True
    assert listed[home.organization.id]["role"] == "owner"
    assert listed[away.organization.id] == {
        "id": away.organization.id,
        "name": "Acme",
        "slug": away.organization.slug,
        "role": "attorney",
        "roles": ["attorney"],
        "current": False,
    }
    first = call("directory", "GET", "/organizations", principal=principal, query={"limit": "1"}).data
    assert first["pagination"]["hasNext"] is True
    rest = call(
        "directory",
        "GET",
        "/organizations",
        principal=principal,
        query={"cursor": first["pagination"]["nextCursor"]},
    ).data
    assert len(first["organizations"] + rest["organizations"]) == 2


def test_seed_001_switch_gives_tokens_of_the_other_firm_and_ends_this_session(aws: Settings) -> None:
    # Given an owner of one firm who is an attorney at another
    home, away, principal = two_firms()
    # When they switch, as seed 001 sends it
    reply = call(
        "directory",
        "PUT",
        "/organizations/switch",
        principal=principal,
        body={"organization_id": away.organization.id},
    )
    # Then new tokens act in the other firm with the attorney's permissions
    assert reply.status == 200, reply.body
    switched = authenticate_rest({"Authorization": f"Bearer {reply.data['accessToken']}"})
    assert (switched.org_id, switched.roles) == (away.organization.id, ("attorney",))
    assert set(switched.permissions) == set(roles.permissions_of(("attorney",)))
    assert reply.data["organization"]["id"] == away.organization.id
    assert sessions.rotate(reply.data["refreshToken"]).access_token
    # And the session that asked is over
    assert sessions.active(principal.session_id) is None
    assert "auth.login" in actions(away.organization.id)
    assert "auth.session_revoked" in actions(home.organization.id)


@pytest.mark.parametrize("organization_id", ["uuid", "org_01JD9R8M4W2Q7XH3ZK5V6B1N0T"])
def test_switching_to_a_firm_one_is_not_a_member_of_is_refused(aws: Settings, organization_id: str) -> None:
    _, _, principal = two_firms()
    stranger = register("stranger@third.example")
    for target in (organization_id, stranger.organization.id):
        reply = call(
            "directory", "PUT", "/organizations/switch", principal=principal, body={"organizationId": target}
        )
        assert reply.status == 403, reply.body
    assert sessions.active(principal.session_id) is not None


def test_a_revoked_membership_cannot_be_switched_to(aws: Settings) -> None:
    _, away, principal = two_firms()
    membership = accounts.Membership.get(f"ORG#{away.organization.id}#MEMBER#{principal.user_id}", "META")
    membership.update(actions=[accounts.Membership.status.set("revoked")])
    reply = call(
        "directory",
        "PUT",
        "/organizations/switch",
        principal=principal,
        body={"organizationId": away.organization.id},
    )
    assert reply.status == 403, reply.body


def test_switching_keeps_the_time_mfa_was_verified(aws: Settings, frozen: TimeTravel) -> None:
    home, away, _ = two_firms()
    secret = mfa.initialize(home.user.id).secret
    backup_codes = mfa.confirm(home.user.id, pyotp.TOTP(secret).now())
    logged_in = accounts.login("owner@firm.example", PASSWORD, mfa_code=backup_codes[0])
    principal = authenticate_rest({"Authorization": f"Bearer {logged_in.tokens.access_token}"})
    verified_at = sessions.active(principal.session_id).mfa_verified_at  # type: ignore[union-attr]
    assert verified_at is not None
    frozen.forward(seconds=5)  # (tokens are checked against real time, with 30 s of leeway)
    reply = call(
        "directory",
        "PUT",
        "/organizations/switch",
        principal=principal,
        body={"organizationId": away.organization.id},
    )
    assert reply.status == 200, reply.body
    switched = authenticate_rest({"Authorization": f"Bearer {reply.data['accessToken']}"})
    assert sessions.active(switched.session_id).mfa_verified_at == verified_at  # type: ignore[union-attr]


def test_an_api_key_cannot_switch_or_list_memberships(aws: Settings) -> None:
    _, away, principal = two_firms()
    _, key = apikeys.create(principal, "Integration", ["*"])
    integration = authenticate_rest({"X-API-Key": key})
    body = {"organizationId": away.organization.id}
    assert call("directory", "PUT", "/organizations/switch", principal=integration, body=body).status == 403
    assert call("directory", "GET", "/organizations", principal=integration).status == 403
