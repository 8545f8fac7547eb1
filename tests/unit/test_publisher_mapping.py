"""Which stream records become which domain events (pure mapping, no AWS)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer

from docket.events.catalog import named
from docket.events.publisher import event_from_record

_serialize = TypeSerializer().serialize


def image(**attributes: Any) -> dict[str, Any]:
    return {name: _serialize(value) for name, value in attributes.items()}


FEEDBACK = {
    "pk": "ORG#org_A#FEEDBACK#fb_1",
    "sk": "META",
    "gsi1pk": "ORG#org_A#FEEDBACK",
    "type": "feedback",
    "id": "fb_1",
    "org_id": "org_A",
    "rating": 4,
    "status": "new",
    "version": 1,
    "created_at": "2026-01-01T00:00:00.000Z",
    "updated_at": "2026-01-01T00:00:00.000Z",
    "created_by": "usr_1",
}


def record(name: str, new: dict[str, Any] | None, old: dict[str, Any] | None) -> dict[str, Any]:
    change: dict[str, Any] = {"SequenceNumber": "1"}
    if new is not None:
        change["NewImage"] = image(**new)
    if old is not None:
        change["OldImage"] = image(**old)
    return {"eventID": "evt-1", "eventName": name, "dynamodb": change}


def test_an_insert_is_a_created_event_with_the_entity_in_camel_case_and_no_storage_keys() -> None:
    event = event_from_record(record("INSERT", FEEDBACK, None))
    assert event is not None
    assert (event.name, event.org_id, event.entity_id, event.actor_id) == (
        "feedback.created",
        "org_A",
        "fb_1",
        "usr_1",
    )
    assert event.data["orgId"] == "org_A"
    assert event.data["rating"] == 4
    assert not {"pk", "sk", "gsi1pk", "type"} & set(event.data)


def test_an_update_lists_what_changed_and_ignores_bookkeeping() -> None:
    new = {**FEEDBACK, "status": "reviewed", "version": 2, "updated_at": "2026-01-02T00:00:00.000Z"}
    event = event_from_record(record("MODIFY", new, FEEDBACK))
    assert event is not None
    assert event.name == "feedback.updated"
    assert event.changes == ["status"]


def test_a_write_that_changes_nothing_visible_publishes_nothing() -> None:
    new = {**FEEDBACK, "version": 2, "updated_at": "2026-01-02T00:00:00.000Z"}
    assert event_from_record(record("MODIFY", new, FEEDBACK)) is None


def test_soft_and_hard_deletes_are_deleted_events() -> None:
    soft = {**FEEDBACK, "deleted_at": "2026-01-03T00:00:00.000Z"}
    soft_event = event_from_record(record("MODIFY", soft, FEEDBACK))
    hard_event = event_from_record(record("REMOVE", None, FEEDBACK))
    assert soft_event is not None
    assert hard_event is not None
    assert soft_event.name == hard_event.name == "feedback.deleted"


def test_items_outside_the_catalog_publish_nothing() -> None:
    counter = {"pk": "ORG#org_A", "sk": "COUNTER#CASE#2026", "type": "counter", "org_id": "org_A", "value": 3}
    assert event_from_record(record("INSERT", counter, None)) is None
    rate_window = {"pk": "RATE#usr_1", "sk": "read#0", "hits": 1}
    assert event_from_record(record("INSERT", rate_window, None)) is None


ROLE = {
    "pk": "ORG#org_A#ROLE#role_1",
    "sk": "META",
    "type": "role",
    "id": "role_1",
    "org_id": "org_A",
    "number": 7,
    "name": "Manager",
    "slug": "manager",
    "permissions": ["users:read"],
    "version": 1,
    "created_at": "2026-01-01T00:00:00.000Z",
    "updated_at": "2026-01-01T00:00:00.000Z",
    "created_by": "usr_1",
}


def test_a_custom_roles_life_is_role_events_and_its_counts_and_slug_publish_nothing() -> None:
    changed = {**ROLE, "permissions": ["users:read", "roles:read"], "version": 2}
    names = [
        event.name if event else None
        for event in (
            event_from_record(record("INSERT", ROLE, None)),
            event_from_record(record("MODIFY", changed, ROLE)),
            event_from_record(record("REMOVE", None, changed)),
        )
    ]
    assert names == ["role.created", "role.updated", "role.deleted"]
    holders = {
        "pk": "ORG#org_A#ROLEHOLDERS",
        "sk": "role_1",
        "type": "role_holders",
        "org_id": "org_A",
        "members": 1,
    }
    slug = {"pk": "ORG#org_A#ROLESLUG#manager", "sk": "SLUG", "type": "role_slug", "org_id": "org_A"}
    assert event_from_record(record("INSERT", holders, None)) is None
    assert event_from_record(record("INSERT", slug, None)) is None


USER = {
    "pk": "USER#usr_1",
    "sk": "META",
    "type": "user",
    "id": "usr_1",
    "email": "ada@firm.example",
    "first_name": "Ada",
    "last_name": "Owner",
    "password_hash": "$argon2id$secret",
    "mfa_seed": "sealed-seed",
    "phone": "+1234567890",
    "updated_in_org": "org_B",
    "updated_by": "usr_1",
    "created_at": "2026-01-01T00:00:00.000Z",
}


def test_a_users_name_change_is_published_in_the_organization_it_was_made_from_without_secrets() -> None:
    # Given a user item whose name changed (made from org_B)
    event = event_from_record(record("MODIFY", {**USER, "first_name": "Adeline"}, USER))
    # Then user.updated goes to org_B, with the published fields only
    assert event is not None
    assert (event.name, event.org_id, event.changes) == ("user.updated", "org_B", ["firstName"])
    assert event.data == {
        "id": "usr_1",
        "email": "ada@firm.example",
        "firstName": "Adeline",
        "lastName": "Owner",
    }


def test_a_user_change_of_nothing_the_firm_sees_publishes_nothing() -> None:
    # a password change, an MFA step, a new phone number: nothing on the bus
    for changed in ({"password_hash": "$argon2id$other"}, {"mfa_seed": "other"}, {"phone": "+1987654321"}):
        assert event_from_record(record("MODIFY", {**USER, **changed}, USER)) is None


def test_a_user_never_changed_through_a_profile_names_no_organization_and_publishes_nothing() -> None:
    legacy = {k: v for k, v in USER.items() if k != "updated_in_org"}
    assert event_from_record(record("MODIFY", {**legacy, "first_name": "Adeline"}, legacy)) is None


def test_an_organization_is_its_own_tenant() -> None:
    organization = {"pk": "ORG#org_A", "sk": "META", "type": "organization", "id": "org_A", "name": "Acme"}
    event = event_from_record(record("MODIFY", {**organization, "name": "Acme LLP"}, organization))
    assert event is not None
    assert (event.name, event.org_id, event.changes) == ("organization.updated", "org_A", ["name"])


MEMBERSHIP = {
    "pk": "ORG#org_A#MEMBER#usr_2",
    "sk": "META",
    "gsi1pk": "ORG#org_A#MEMBERS",
    "type": "membership",
    "id": "usr_2",
    "org_id": "org_A",
    "user_id": "usr_2",
    "roles": ["attorney"],
    "status": "active",
    "joined_at": "2026-01-01T00:00:00.000Z",
    "email": "bo@firm.example",
    "first_name": "Bo",
    "last_name": "Member",
    "search": "bo member bo@firm.example",
    "invited_by": "usr_1",
    "version": 1,
    "created_at": "2026-01-01T00:00:00.000Z",
    "updated_at": "2026-01-01T00:00:00.000Z",
    "created_by": "usr_2",
}


def test_a_members_life_is_member_events_for_that_member_alone() -> None:
    # Given a member who joins, is narrowed to another role, is revoked with a reason, and is removed
    narrowed = {**MEMBERSHIP, "roles": ["role_1"], "version": 2, "updated_by": "usr_1"}
    revoked = {
        **narrowed,
        "status": "revoked",
        "revoked_at": "2026-01-02T00:00:00.000Z",
        "revoked_by": "usr_1",
        "revoked_reason": "Left the firm",
        "version": 3,
    }
    events = [
        event_from_record(record("INSERT", MEMBERSHIP, None)),
        event_from_record(record("MODIFY", narrowed, MEMBERSHIP)),
        event_from_record(record("MODIFY", revoked, narrowed)),
        event_from_record(record("REMOVE", None, revoked)),
    ]
    # Then each is a member event, whose push goes to that member alone (the firm's clients never
    # see who its members are)
    assert [e.name if e else None for e in events] == [
        "member.joined",
        "member.updated",
        "member.updated",
        "member.removed",
    ]
    assert all(e is not None and e.entity_id == "usr_2" and e.org_id == "org_A" for e in events)
    assert named("member.joined").recipient == "user_id"
    _, roles_changed, revocation, _ = events
    assert roles_changed is not None
    assert revocation is not None
    assert roles_changed.changes == ["roles"]
    assert revocation.changes == ["revokedAt", "revokedBy", "status"]
    # with the member's place in the firm only: not the reason (the audit trail's), nor the copies of
    # the account's name and address (user.updated publishes those)
    assert revocation.data == {
        "id": "usr_2",
        "userId": "usr_2",
        "roles": ["role_1"],
        "status": "revoked",
        "joinedAt": "2026-01-01T00:00:00.000Z",
        "invitedBy": "usr_1",
        "revokedAt": "2026-01-02T00:00:00.000Z",
        "revokedBy": "usr_1",
    }


def test_a_members_copy_of_their_account_changing_publishes_nothing() -> None:
    renamed = {**MEMBERSHIP, "first_name": "Bob", "search": "bob member bo@firm.example", "version": 2}
    assert event_from_record(record("MODIFY", renamed, MEMBERSHIP)) is None


INVITATION = {
    "pk": "ORG#org_A#INVITATION#inv_1",
    "sk": "META",
    "gsi1pk": "ORG#org_A#INVITATIONS",
    "type": "invitation",
    "id": "inv_1",
    "org_id": "org_A",
    "email": "new@firm.example",
    "role_ref": "attorney",
    "role_id": "role_attorney",
    "role_number": 3,
    "role_slug": "attorney",
    "role_name": "Attorney",
    "invited_by": "usr_1",
    "inviter_name": "Ada Owner",
    "status": "pending",
    "expires_at": "2026-01-08T00:00:00.000Z",
    "token_hash": "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
    "version": 1,
    "created_at": "2026-01-01T00:00:00.000Z",
    "updated_at": "2026-01-01T00:00:00.000Z",
    "created_by": "usr_1",
}


def test_an_invitation_is_published_to_its_inviter_without_its_tokens_hash() -> None:
    # Given an invitation sent, then accepted
    accepted = {
        **INVITATION,
        "status": "accepted",
        "accepted_at": "2026-01-02T00:00:00.000Z",
        "accepted_by": "usr_2",
        "version": 2,
        "updated_by": "usr_2",
    }
    sent = event_from_record(record("INSERT", INVITATION, None))
    taken = event_from_record(record("MODIFY", accepted, INVITATION))
    # Then invitation.created and invitation.updated, pushed to whoever sent it
    assert sent is not None
    assert taken is not None
    assert (sent.name, taken.name) == ("invitation.created", "invitation.updated")
    assert named("invitation.created").recipient == "invited_by"
    assert sent.data["invitedBy"] == "usr_1"
    assert taken.changes == ["acceptedAt", "acceptedBy", "status"]
    # and no event carries the token's hash (a guessable hash would open the invitation)
    for event in (sent, taken):
        assert "tokenHash" not in event.data
        assert INVITATION["token_hash"] not in event.model_dump_json()
    assert sent.data == {
        "id": "inv_1",
        "email": "new@firm.example",
        "roleId": "role_attorney",
        "roleNumber": 3,
        "roleSlug": "attorney",
        "roleName": "Attorney",
        "status": "pending",
        "invitedBy": "usr_1",
        "expiresAt": "2026-01-08T00:00:00.000Z",
    }


def test_an_invitations_token_pointer_pending_claim_and_the_owners_count_publish_nothing() -> None:
    pointer = {"pk": "INVITE#abc", "sk": "TOKEN", "type": "invitation_token", "org_id": "org_A"}
    claim = {"pk": "ORG#org_A#INVITEE#new@firm.example", "sk": "PENDING", "type": "pending_invitation"}
    owners = {"pk": "ORG#org_A", "sk": "OWNERS", "type": "active_owners", "org_id": "org_A", "active": 1}
    for item in (pointer, {**claim, "org_id": "org_A"}, owners):
        for kind in ("INSERT", "REMOVE"):
            assert event_from_record(record(kind, item if kind == "INSERT" else None, item)) is None
