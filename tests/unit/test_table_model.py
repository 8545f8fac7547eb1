"""The PynamoDB model spells the table's indexes out (so each index is a typed attribute mypy can
check); the table itself is declared once in docket/data/schema.py. These must agree."""

from __future__ import annotations

from pynamodb.indexes import GlobalSecondaryIndex

from docket.data.models import TableItem
from docket.data.schema import GLOBAL_INDEXES, create_table_request


def _model_indexes() -> dict[str, tuple[str, str]]:
    found = {}
    for value in vars(TableItem).values():
        if isinstance(value, GlobalSecondaryIndex):
            hash_key = next(a for a in value.Meta.attributes.values() if a.is_hash_key)
            range_key = next(a for a in value.Meta.attributes.values() if a.is_range_key)
            found[value.Meta.index_name] = (hash_key.attr_name, range_key.attr_name)
    return found


def test_the_model_has_every_index_of_the_schema_with_its_keys() -> None:
    declared = {index.name: (index.keys.partition, index.keys.sort) for index in GLOBAL_INDEXES}
    assert _model_indexes() == declared


def test_the_model_declares_every_key_attribute_of_the_table() -> None:
    request = create_table_request("t")
    attributes = {definition["AttributeName"] for definition in request["AttributeDefinitions"]}
    modelled = {attribute.attr_name for attribute in TableItem.get_attributes().values()}
    assert attributes <= modelled
