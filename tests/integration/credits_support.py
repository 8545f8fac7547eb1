"""Helpers for the credits and platform-admin tests: real firm owners, and work paid for with credits."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute

from docket.credits import ledger, plans
from docket.credits.usage import UsageKind
from docket.data.models import TenantItem, org_key
from docket.data.transactions import transaction
from docket.identity import accounts as identity
from docket.ids import new_id
from docket.security.authorizer import authenticate_rest
from docket.security.principal import Principal
from tests.integration.support import call
from tests.integration.test_login_guard import PASSWORD

FREE = plans.ALLOWANCES[plans.Plan.FREE]


class Answer(TenantItem, discriminator="test_research_answer"):
    """The work a debit pays for (the research issue's answers, in miniature)."""

    ID_PREFIX = "ans"
    tokens = NumberAttribute()

    def keys(self) -> dict[str, str | None]:
        return {"pk": f"{org_key(self.org_id)}#ANSWER#{self.id}", "sk": "META"}


def signed_in(email: str = "owner@firm.example") -> Principal:
    identity.register(
        organization_name="Acme",
        organization_email="contact@acme.example",
        first_name="Ada",
        last_name="Owner",
        email=email,
        password=PASSWORD,
    )
    token = identity.login(email, PASSWORD).tokens.access_token
    return authenticate_rest({"Authorization": f"Bearer {token}"})


def answer(
    principal: Principal, tokens: int, kind: UsageKind = UsageKind.QA, *, before_commit: Any = None
) -> Answer:
    """Write an answer and pay for it, in one transaction."""
    item = Answer(id=new_id(Answer.ID_PREFIX), org_id=principal.org_id, tokens=tokens)
    with transaction(principal) as tx:
        tx.save(item, condition=Answer.pk.does_not_exist())
        ledger.debit(tx, ledger.payer(principal), tokens, kind)
        if before_commit is not None:
            before_commit()
    return item


def answers_of(principal: Principal) -> list[Answer]:
    prefix = f"{org_key(principal.org_id)}#ANSWER#"
    found = []
    for item in Answer.scan(Answer.pk.startswith(prefix)):  # a test's look at the whole table
        if isinstance(item, Answer):
            found.append(item)
    return found


def credits(principal: Principal) -> dict[str, Any]:
    reply = call("directory", "GET", "/user/credits", principal=principal)
    assert reply.status == 200, reply.body
    return dict(reply.data["credits"])
