"""PynamoDB models over the single table.

`TableItem` is every item (keys from `schema`, a `type` discriminator, TTL). `TenantItem` is every
tenant-owned entity: tenant-leading keys computed by the entity itself (`keys()`), a version for
optimistic locking, timestamps, and soft delete. A soft-deleted item keeps its primary key but
drops its list-index keys, so it vanishes from every list without a filter.

The tenant-key guard: every partition key of a tenant entity (table and indexes) is its tenant's,
exactly (`ORG#<org>` then `#` or the end, so `ORG#org_A2#…` is not `org_A`'s), checked on every
write path — the transaction helper's save, update, delete and condition check, and a tenant
entity's own `save`, `update` and `delete`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pynamodb.connection.base
from pynamodb.attributes import (
    DiscriminatorAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from docket import clock
from docket.aws import botocore_session
from docket.data.schema import GLOBAL_INDEXES, GSI1, GSI2, GSI3, GSI4, PRIMARY, TTL_ATTRIBUTE, TYPE_ATTRIBUTE
from docket.errors import Forbidden
from docket.settings import get_settings

# PynamoDB makes a botocore session per connection; with the process's one (docket.aws) DynamoDB's
# model is parsed, and the credentials resolved, once for every client.
pynamodb.connection.base.get_session = botocore_session  # type: ignore[attr-defined]


class _TableName:
    """Resolves `Meta.table_name` from settings on first use, never at import time."""

    def __get__(self, instance: object, owner: type | None = None) -> str:
        return get_settings().table_name


class Gsi1(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = GSI1.name
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name=GSI1.keys.partition)
    gsi1sk = UnicodeAttribute(range_key=True, attr_name=GSI1.keys.sort)


class Gsi2(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = GSI2.name
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name=GSI2.keys.partition)
    gsi2sk = UnicodeAttribute(range_key=True, attr_name=GSI2.keys.sort)


class Gsi3(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = GSI3.name
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True, attr_name=GSI3.keys.partition)
    gsi3sk = UnicodeAttribute(range_key=True, attr_name=GSI3.keys.sort)


class Gsi4(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = GSI4.name
        projection = AllProjection()

    gsi4pk = UnicodeAttribute(hash_key=True, attr_name=GSI4.keys.partition)
    gsi4sk = UnicodeAttribute(range_key=True, attr_name=GSI4.keys.sort)


class TableItem(Model):
    class Meta:
        table_name: Any = _TableName()

    pk = UnicodeAttribute(hash_key=True, attr_name=PRIMARY.partition)
    sk = UnicodeAttribute(range_key=True, attr_name=PRIMARY.sort)
    type = DiscriminatorAttribute(attr_name=TYPE_ATTRIBUTE)
    gsi1pk = UnicodeAttribute(null=True, attr_name=GSI1.keys.partition)
    gsi1sk = UnicodeAttribute(null=True, attr_name=GSI1.keys.sort)
    gsi2pk = UnicodeAttribute(null=True, attr_name=GSI2.keys.partition)
    gsi2sk = UnicodeAttribute(null=True, attr_name=GSI2.keys.sort)
    gsi3pk = UnicodeAttribute(null=True, attr_name=GSI3.keys.partition)
    gsi3sk = UnicodeAttribute(null=True, attr_name=GSI3.keys.sort)
    gsi4pk = UnicodeAttribute(null=True, attr_name=GSI4.keys.partition)
    gsi4sk = UnicodeAttribute(null=True, attr_name=GSI4.keys.sort)
    ttl = TTLAttribute(null=True, attr_name=TTL_ATTRIBUTE)

    gsi1 = Gsi1()
    gsi2 = Gsi2()
    gsi3 = Gsi3()
    gsi4 = Gsi4()


def type_name(item: TableItem) -> str:
    """The item's stored `type` (`feedback`); the attribute itself reads back as the class."""
    return str(TableItem.type.get_discriminator(type(item)))


def org_key(org_id: str) -> str:
    return f"ORG#{org_id}"


_TENANT_LEAD = "ORG#"
_PARTITION_KEYS = (PRIMARY.partition, *(index.keys.partition for index in GLOBAL_INDEXES))
#: Every index key attribute (what a soft-deleted item drops)
_INDEX_KEYS = tuple(name for index in GLOBAL_INDEXES for name in (index.keys.partition, index.keys.sort))


class ForeignTenantKey(Forbidden):
    """A write whose key lies outside the tenant it is made for (a bug or an attack: never written)."""

    default_message = "This write reaches outside your organization"


def tenant_of(key: str) -> str | None:
    """The organization a tenant-leading key names (`ORG#org_A#CASE#…` → `org_A`), else None."""
    if not key.startswith(_TENANT_LEAD):
        return None
    return key[len(_TENANT_LEAD) :].split("#", 1)[0]


def guard_tenant_keys(item: TableItem, tenant: str | None = None) -> None:
    """Refuse a write of `item` unless every partition key it carries is its tenant's, exactly.

    A tenant entity's keys must name its own `org_id`; with `tenant` (the organization the writer
    acts in) the entity must be that tenant's, and so must every other tenant-leading key."""
    owner = item.org_id if isinstance(item, TenantItem) else None
    if owner is not None and tenant and owner != tenant:
        raise ForeignTenantKey(
            details=[{"field": "orgId", "message": f"{type(item).__name__} of another tenant"}]
        )
    for name in _PARTITION_KEYS:
        value = getattr(item, name, None)
        if value is None:
            continue
        named = tenant_of(value)
        expected = owner or (tenant if named is not None else None)
        if expected is not None and named != expected:
            raise ForeignTenantKey(
                f"{type(item).__name__}.{name} must begin with {org_key(expected)}#",
                details=[{"field": name, "message": "outside the tenant"}],
            )


class TenantItem(TableItem):
    """Base for tenant entities. Subclasses set `ID_PREFIX` and implement `keys()`."""

    ID_PREFIX: ClassVar[str] = ""

    id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    version = VersionAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)

    def keys(self) -> dict[str, str | None]:
        """Primary and index keys of this entity; every partition key begins with `ORG#<orgId>`."""
        raise NotImplementedError

    @classmethod
    def primary_key(cls, org_id: str, entity_id: str) -> tuple[str, str]:
        """`(pk, sk)` of the organization's entity of that id (what `docket.data.entities.fetch` reads)."""
        raise NotImplementedError(f"{cls.__name__} is not read by id")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def stamp(self, actor: str | None = None) -> None:
        """Set timestamps and keys before a write (the transaction helper calls this)."""
        now = clock.iso()
        if not getattr(self, "created_at", None):
            self.created_at = now
            self.created_by = actor
        self.updated_at = now
        self.updated_by = actor
        for name, value in self.keys().items():
            setattr(self, name, value)
        if self.deleted_at is not None:
            for name in _INDEX_KEYS:
                setattr(self, name, None)
        guard_tenant_keys(self)

    # direct writes of a tenant entity pass the same guard as transactional ones
    def save(self, *args: Any, **kwargs: Any) -> Any:
        guard_tenant_keys(self)
        return super().save(*args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        guard_tenant_keys(self)
        return super().update(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        guard_tenant_keys(self)
        return super().delete(*args, **kwargs)

    def soft_delete(self) -> None:
        self.deleted_at = clock.iso()


def item_key(item: TableItem, index: GlobalSecondaryIndex[Any] | None = None) -> dict[str, Any]:
    """The DynamoDB key (table + index keys) to resume a query after `item`."""
    names = [PRIMARY.partition, PRIMARY.sort]
    if index is not None:
        schema = index._get_schema()
        names += [k["AttributeName"] for k in schema["key_schema"]]
    serialized = item.serialize()
    return {name: serialized[name] for name in names if name in serialized}
