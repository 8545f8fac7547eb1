"""Members' and invitations' domain events from the real writes: what the table's stream turns an
invitation, its acceptance, a revocation and a removal into (the publisher's own mapping)."""

from __future__ import annotations

from typing import Any

from docket.events.catalog import DomainEvent
from docket.events.publisher import event_from_record
from docket.settings import Settings
from infra.local.pumps import StreamPump
from tests.integration.firm_support import PASSWORD, accept, invitation_token, invite, register
from tests.integration.support import call


def published(aws: Settings) -> list[DomainEvent]:
    """Every event the stream's records so far stand for, in order (as the publisher maps them)."""
    records: list[dict[str, Any]] = []

    def capture(function: str, event: dict[str, Any]) -> Any:
        records.extend(event["Records"])
        return {"batchItemFailures": []}

    pump = StreamPump(lambda: aws, capture)
    while pump.step():
        pass
    return [event for event in map(event_from_record, records) if event is not None]


def test_an_invitation_and_a_members_life_publish_their_events_without_secrets(aws: Settings) -> None:
    # Given a firm whose owner invites an attorney, who accepts; then the owner revokes and removes them
    org_id, owner = register("owner@acme.example")
    sent = invite(owner.principal, "atticus@counsel.example", "attorney")
    assert sent.status == 201, sent.body
    token = invitation_token("atticus@counsel.example")
    joined = accept(token, {"firstName": "Atticus", "lastName": "Finch", "password": PASSWORD})
    assert joined.status == 200, joined.body
    member = joined.data["user"]["id"]
    by = owner.principal
    revoked = call("directory", "POST", f"/users/{member}/revoke", principal=by, body={"reason": "Left"})
    assert revoked.status == 200, revoked.body
    assert call("directory", "DELETE", f"/users/{member}", principal=by).status == 200

    # When the stream is read
    events = [e for e in published(aws) if e.name.startswith(("member.", "invitation."))]

    # Then the owner joined (registering), the invitation went out and was accepted, the attorney
    # joined, was revoked and removed — each in the firm
    assert [(e.name, e.entity_id) for e in events] == [
        ("member.joined", owner.user_id),
        ("invitation.created", sent.data["id"]),
        ("member.joined", member),
        ("invitation.updated", sent.data["id"]),
        ("member.updated", member),
        ("member.removed", member),
    ]
    assert {e.org_id for e in events} == {org_id}
    # with who pushes them: the member concerned, the inviter
    invitation_events = [e for e in events if e.name.startswith("invitation.")]
    assert {e.data["invitedBy"] for e in invitation_events} == {owner.user_id}
    assert [e.data["userId"] for e in events if e.name.startswith("member.")] == [owner.user_id] + [
        member
    ] * 3
    assert invitation_events[1].changes == ["acceptedAt", "acceptedBy", "status"]
    assert events[4].changes == ["revokedAt", "revokedBy", "status"]
    # and neither the token, its hash nor the revocation's reason leaves the table
    for event in events:
        text = event.model_dump_json()
        assert token not in text
        assert "tokenHash" not in text
        assert "revokedReason" not in text
