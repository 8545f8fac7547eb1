"""The tenant-key guard: no write path lets a key outside the writer's tenant through — not another
tenant's, not a longer tenant id that merely starts with the writer's (`org_A2` for `org_A`) — and
a refused write writes nothing, not even the rest of its transaction."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pynamodb.attributes import UnicodeAttribute

from docket.data.models import ForeignTenantKey, TenantItem, org_key
from docket.data.transactions import transaction
from docket.ids import new_id
from docket.security.principal import Principal
from docket.settings import Settings

OWN = "org_A"
#: another tenant, and one whose id begins with the writer's
FOREIGN = ("org_B", "org_A2")
WRITER = Principal(user_id="usr_1", org_id=OWN)


class Matter(TenantItem, discriminator="test_guarded_matter"):
    title = UnicodeAttribute()

    def keys(self) -> dict[str, str | None]:
        return {
            "pk": f"{org_key(self.org_id)}#MATTER#{self.id}",
            "sk": "META",
            "gsi1pk": f"{org_key(self.org_id)}#MATTER",
            "gsi1sk": f"{self.created_at}#{self.id}",
        }


class Lookalike(TenantItem, discriminator="test_lookalike"):
    """An entity of `org_A` whose keys (by a bug) name the look-alike tenant `org_A2`."""

    def keys(self) -> dict[str, str | None]:
        return {"pk": f"{org_key(self.org_id)}2#THING#{self.id}", "sk": "META"}


def existing(org_id: str) -> Matter:
    """A matter its own tenant wrote."""
    matter = Matter(id=new_id("mat"), org_id=org_id, title="original")
    with transaction(Principal(user_id="usr_owner", org_id=org_id)) as tx:
        tx.save(matter)
    return matter


def unchanged(matter: Matter) -> bool:
    try:
        stored = Matter.get(matter.pk, matter.sk, consistent_read=True)
    except Matter.DoesNotExist:
        return False
    return stored.title == "original" and stored.version == matter.version


def not_written(pk: str) -> bool:
    return not list(Matter.query(pk, consistent_read=True))


Write = Callable[[Matter], None]


def _tx_update(victim: Matter) -> None:
    with transaction(WRITER) as tx:
        tx.update(victim, actions=[Matter.title.set("hijacked")])


def _tx_delete(victim: Matter) -> None:
    with transaction(WRITER) as tx:
        tx.delete(victim)


def _tx_check(victim: Matter) -> None:
    with transaction(WRITER) as tx:
        tx.check(victim, Matter.pk.exists())
        tx.save(Matter(id=new_id("mat"), org_id=OWN, title="rides on the check"))


def _tx_audit(victim: Matter) -> None:
    with transaction(WRITER) as tx:
        tx.audit("matter.hijacked", victim)


def _posing_as_own(victim: Matter) -> Matter:
    """The victim, complete, in an instance that claims to be the writer's tenant's."""
    impostor = Matter.from_raw_data(victim.serialize())
    impostor.org_id = OWN
    return impostor


def _direct_update(victim: Matter) -> None:
    _posing_as_own(victim).update(actions=[Matter.title.set("hijacked")])


def _direct_delete(victim: Matter) -> None:
    _posing_as_own(victim).delete()


def _direct_save(victim: Matter) -> None:
    impostor = _posing_as_own(victim)
    impostor.title = "hijacked"
    impostor.save()


WRITES: dict[str, Write] = {
    "transaction update": _tx_update,
    "transaction delete": _tx_delete,
    "transaction condition check": _tx_check,
    "transaction audit entry": _tx_audit,
    "direct update": _direct_update,
    "direct delete": _direct_delete,
    "direct save": _direct_save,
}


@pytest.mark.parametrize("tenant", FOREIGN)
@pytest.mark.parametrize("path", WRITES)
def test_writes_to_another_tenants_item_are_refused_and_change_nothing(
    aws: Settings, path: str, tenant: str
) -> None:
    # Given an item of another tenant (or of a tenant whose id begins with the writer's)
    victim = existing(tenant)

    # When a writer of org_A reaches for it by this path
    with pytest.raises(ForeignTenantKey):
        WRITES[path](victim)

    # Then it is refused, and the item is as its owner left it
    assert unchanged(victim)


@pytest.mark.parametrize("tenant", FOREIGN)
def test_a_transaction_saving_another_tenants_entity_writes_nothing(aws: Settings, tenant: str) -> None:
    # Given a transaction of org_A that saves its own matter and one of another tenant
    own = Matter(id=new_id("mat"), org_id=OWN, title="mine")
    theirs = Matter(id=new_id("mat"), org_id=tenant, title="planted")

    def commit() -> None:
        with transaction(WRITER) as tx:
            tx.save(own)
            tx.save(theirs)

    # When it commits
    with pytest.raises(ForeignTenantKey):
        commit()

    # Then neither is written
    assert not_written(own.pk)
    assert not_written(theirs.pk)


def test_an_entity_whose_keys_name_a_longer_tenant_id_is_refused_on_every_path(aws: Settings) -> None:
    # Given an org_A entity whose keys begin with ORG#org_A2 (the prefix matches, the tenant does not)
    item = Lookalike(id=new_id("thg"), org_id=OWN)

    # When it is saved in a transaction, or directly
    with pytest.raises(ForeignTenantKey, match="must begin with ORG#org_A#"), transaction(WRITER) as tx:
        tx.save(item)
    with pytest.raises(ForeignTenantKey):
        item.save()

    # Then nothing was written under the look-alike tenant
    assert not list(Lookalike.query(f"{org_key('org_A2')}#THING#{item.id}", consistent_read=True))


def test_keys_outside_any_tenant_are_refused_before_any_write(aws: Settings) -> None:
    class Leaky(TenantItem, discriminator="test_leaky_global"):
        def keys(self) -> dict[str, str | None]:
            return {"pk": "GLOBAL#oops", "sk": "META"}

    with pytest.raises(ForeignTenantKey), transaction(WRITER) as tx:
        tx.save(Leaky(id="x", org_id=OWN))
    assert not list(Leaky.query("GLOBAL#oops", consistent_read=True))


def test_the_writers_own_tenant_passes_every_path(aws: Settings) -> None:
    # Given an item of the writer's own tenant
    mine = existing(OWN)

    # When the writer updates it, checks it, audits it and deletes it
    with transaction(WRITER) as tx:
        tx.update(mine, actions=[Matter.title.set("edited")])
    mine.refresh(consistent_read=True)
    with transaction(WRITER) as tx:
        tx.check(mine, Matter.pk.exists())
        tx.audit("matter.checked", mine)
    mine.update(actions=[Matter.title.set("edited again")])
    mine.delete()

    # Then every write went through
    assert not_written(mine.pk)
