"""A firm's clients and its pipeline stages, with the keys that serve their access patterns.

Access patterns (docs/access-patterns.md, CL1-CL8):
- client by id:                 pk = ORG#<org>#CLIENT#<id>, sk = META
- clients, newest/oldest first:  gsi1 pk = ORG#<org>#CLIENTS, sk = <createdAt>#<id>
- clients by name:               gsi2 pk = ORG#<org>#CLIENTS#NAME, sk = <name, lower case>#<id>
- clients by email:              gsi3 pk = ORG#<org>#CLIENTS#EMAIL, sk = <email, lower case or ~>#<id>
- clients of a pipeline stage:   gsi4 pk = ORG#<org>#CLIENTS#STAGE#<stageId>, sk = <createdAt>#<id>
- search:                        docket.data.search, kind `client`
- open cases of a client:        pk = ORG#<org>#CLIENT#<id>, sk = COUNT#OPENCASES
- the firm's pipeline stages:    pk = ORG#<org>#PIPELINE, sk = STAGE#<id> (one Query: a firm has few)
- clients of a stage (count):    pk = ORG#<org>#PIPELINE, sk = COUNT#<stageId>

The counts are plain items beside their entity, not attributes of it: an entity's version moves
with its own updates only, so a case opening for a client (or a client entering a stage) neither
conflicts with an edit of the client (of the stage) nor changes its ETag.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from docket.data.models import TableItem, TenantItem, org_key

CLIENT_PREFIX = "client"
STAGE_PREFIX = "stage"
#: sorts a client without an email after every address
NO_EMAIL = "~"


class Client(TenantItem, discriminator="client"):
    ID_PREFIX = CLIENT_PREFIX

    name = UnicodeAttribute()
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    client_type = UnicodeAttribute()
    status = UnicodeAttribute()
    address = JSONAttribute(null=True)
    contact_person = JSONAttribute(null=True)
    stage_id = UnicodeAttribute(null=True)
    notes = UnicodeAttribute(null=True)
    #: the words it is found by (docket.data.search), to rewrite its entries when they change
    search_words = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]

    @classmethod
    def primary_key(cls, org_id: str, entity_id: str) -> tuple[str, str]:
        return f"{org_key(org_id)}#CLIENT#{entity_id}", "META"

    def keys(self) -> dict[str, str | None]:
        org = org_key(self.org_id)
        pk, sk = self.primary_key(self.org_id, self.id)
        created = f"{self.created_at}#{self.id}"
        return {
            "pk": pk,
            "sk": sk,
            "gsi1pk": f"{org}#CLIENTS",
            "gsi1sk": created,
            "gsi2pk": f"{org}#CLIENTS#NAME",
            "gsi2sk": f"{self.name.lower()}#{self.id}",
            "gsi3pk": f"{org}#CLIENTS#EMAIL",
            "gsi3sk": f"{(self.email or NO_EMAIL).lower()}#{self.id}",
            "gsi4pk": f"{org}#CLIENTS#STAGE#{self.stage_id}" if self.stage_id else None,
            "gsi4sk": created if self.stage_id else None,
        }


def stage_partition(org_id: str) -> str:
    return f"{org_key(org_id)}#PIPELINE"


class Stage(TenantItem, discriminator="pipeline_stage"):
    ID_PREFIX = STAGE_PREFIX

    name = UnicodeAttribute()
    position = NumberAttribute()
    color = UnicodeAttribute(null=True)

    @classmethod
    def primary_key(cls, org_id: str, entity_id: str) -> tuple[str, str]:
        return stage_partition(org_id), f"STAGE#{entity_id}"

    def keys(self) -> dict[str, str | None]:
        pk, sk = self.primary_key(self.org_id, self.id)
        return {"pk": pk, "sk": sk}


class ClientCases(TableItem, discriminator="client_cases"):
    """Open cases of a client: the cases domain adds and subtracts in its own transactions
    (`docket.clients.service.count_open_case`); a client is deleted only on condition it is 0."""

    org_id = UnicodeAttribute()
    open_cases = NumberAttribute(default=0)

    @classmethod
    def of(cls, org_id: str, client_id: str) -> ClientCases:
        pk, _ = Client.primary_key(org_id, client_id)
        return cls(pk=pk, sk="COUNT#OPENCASES", org_id=org_id)


class StageClients(TableItem, discriminator="pipeline_stage_clients"):
    """Live clients in a stage: every client write that enters or leaves it adds here, in its own
    transaction, with a check that the stage exists; a stage is deleted only on condition it is 0."""

    org_id = UnicodeAttribute()
    clients = NumberAttribute(default=0)

    @classmethod
    def of(cls, org_id: str, stage_id: str) -> StageClients:
        return cls(pk=stage_partition(org_id), sk=f"COUNT#{stage_id}", org_id=org_id)
