"""The single table, declared once: the CDK stack, the local bootstrap and the models read this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KeyPair:
    partition: str
    sort: str


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    keys: KeyPair


PRIMARY = KeyPair(partition="pk", sort="sk")
#: Lists: tenant + type (+ status/owner) partition, time-ordered sort key.
GSI1 = GlobalIndex(name="gsi1", keys=KeyPair(partition="gsi1pk", sort="gsi1sk"))
#: Second list dimension (e.g. by client, by assignee) and lookups by a unique field (e.g. email).
GSI2 = GlobalIndex(name="gsi2", keys=KeyPair(partition="gsi2pk", sort="gsi2sk"))
#: Third and fourth list dimensions, for collections filtered several ways at once (the audit
#: trail: by actor on GSI1, all of a tenant's on GSI2, by action on GSI3, by resource type on GSI4).
#: Sparse: only items that set the keys are indexed (and pay for it).
GSI3 = GlobalIndex(name="gsi3", keys=KeyPair(partition="gsi3pk", sort="gsi3sk"))
GSI4 = GlobalIndex(name="gsi4", keys=KeyPair(partition="gsi4pk", sort="gsi4sk"))
GLOBAL_INDEXES: tuple[GlobalIndex, ...] = (GSI1, GSI2, GSI3, GSI4)
TTL_ATTRIBUTE = "ttl"
TYPE_ATTRIBUTE = "type"
STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"


def key_attributes() -> tuple[str, ...]:
    names = [PRIMARY.partition, PRIMARY.sort]
    for index in GLOBAL_INDEXES:
        names += [index.keys.partition, index.keys.sort]
    return tuple(names)


def create_table_request(table_name: str) -> dict[str, Any]:
    """`dynamodb.create_table` arguments (the local bootstrap and moto-backed tests use this)."""

    def key_schema(keys: KeyPair) -> list[dict[str, str]]:
        return [
            {"AttributeName": keys.partition, "KeyType": "HASH"},
            {"AttributeName": keys.sort, "KeyType": "RANGE"},
        ]

    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in key_attributes()],
        "KeySchema": key_schema(PRIMARY),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeySchema": key_schema(index.keys),
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in GLOBAL_INDEXES
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
    }
