"""Sign-up does not tell who has an account: registering a taken address answers exactly as a new
registration, writes nothing, and mails the address's owner instead."""

from __future__ import annotations

import re
import threading
from typing import Any

from docket.identity import accounts
from docket.settings import Settings
from infra.local import mail as mailbox
from tests.integration.support import Reply, call
from tests.integration.test_login_guard import PASSWORD

TAKEN = "owner@firm.example"
VERIFY = "Verify your Docket email address"


def sign_up(email: str, organization: str = "Acme Law LLP") -> Reply:
    body = {
        "organizationName": organization,
        "organizationEmail": "contact@acme.example",
        "firstName": "Ada",
        "lastName": "Owner",
        "email": email,
        "password": PASSWORD,
    }
    return call("auth", "POST", "/auth/organization/register", body=body)


def shape(reply: Reply) -> dict[str, Any]:
    """Everything a client sees, with the generated values (ids, timestamps) reduced to their form."""
    ids = {key: re.sub(r"_[0-9A-Z]{26}$", "_<ulid>", value) for key, value in reply.data.items()}
    return {
        "status": reply.status,
        "headers": sorted(name for name in reply.headers if name.lower() != "x-request-id"),
        "body": {**reply.body, "data": ids},
    }


def mails(to: str) -> list[dict[str, Any]]:
    return mailbox.messages(to=to)


def test_a_taken_address_answers_as_a_new_one_and_mails_its_owner(aws: Settings) -> None:
    # Given an account for the address
    first = sign_up(TAKEN)
    assert first.status == 201, first.body
    owner = accounts.find_user_by_email(TAKEN)
    assert owner is not None

    # When someone registers a firm with the same address (another case, another firm name)
    again = sign_up(TAKEN.upper(), organization="Impostor & Co")
    fresh = sign_up("new-owner@firm.example")

    # Then the answer is indistinguishable from a new registration's
    assert shape(again) == shape(fresh)
    assert again.data["userId"] != owner.id

    # And nothing was written: the address is still the owner's, the other firm does not exist
    still = accounts.find_user_by_email(TAKEN)
    assert still is not None
    assert still.id == owner.id
    assert accounts.find_user(again.data["userId"]) is None
    assert [m.org_id for m in accounts.memberships_of(owner.id)] == [first.data["organizationId"]]

    # And the owner got a notice — not a verification mail — that names nothing the attempt sent
    [notice, verification] = mails(TAKEN)
    assert verification["subject"] == VERIFY
    assert notice["subject"] == accounts.SIGN_UP_ATTEMPT_SUBJECT
    assert "Someone tried to create an account with this address" in notice["text"]
    assert "reset your password" in notice["text"]
    assert "Impostor" not in notice["text"]
    assert "Impostor" not in (notice["html"] or "")


def test_two_sign_ups_racing_for_one_address_both_answer_201(aws: Settings) -> None:
    # Given no account yet for the address
    replies: list[Reply] = []
    gate = threading.Barrier(2)

    def register() -> None:
        gate.wait()
        replies.append(sign_up(TAKEN))

    # When two registrations race for it
    threads = [threading.Thread(target=register) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then both answer as a new registration, one account exists, and its owner hears of the other
    assert [r.status for r in replies] == [201, 201]
    owner = accounts.find_user_by_email(TAKEN)
    assert owner is not None
    assert owner.id in {r.data["userId"] for r in replies}
    assert sorted(m["subject"] for m in mails(TAKEN)) == sorted([VERIFY, accounts.SIGN_UP_ATTEMPT_SUBJECT])


def test_a_verification_mail_that_cannot_be_sent_does_not_fail_the_committed_sign_up(
    aws: Settings,
) -> None:
    # Given SES refuses to send (the sender's identities are no longer verified)
    import boto3

    ses = boto3.client("ses")
    for identity in ses.list_identities()["Identities"]:
        ses.delete_identity(Identity=identity)

    # When a firm registers
    reply = sign_up("unmailed@firm.example")

    # Then the sign-up stands (201, the account exists) instead of a 500 after the write
    assert reply.status == 201, reply.body
    assert accounts.find_user_by_email("unmailed@firm.example") is not None
    assert mails("unmailed@firm.example") == []
