"""A firm's pipeline stages (seed 004's `stage_id`): list, create, rename, reorder, delete when empty.

All of a firm's stages share one partition (`ORG#<org>#PIPELINE`), so the pipeline is one Query,
ordered by `position` (1, 2, …). A stage counts its live clients (`clients`), adjusted in every
client write that enters or leaves it, on condition the stage exists: a client's `stageId` names
a stage of its firm, and a stage is deleted only on condition its count is 0 (else a 409).
"""

from __future__ import annotations

from docket.api import concurrency
from docket.clients.entities import Stage, StageClients, stage_partition
from docket.clients.schemas import StageIn, StageOrder, StageOut, StageUpdate
from docket.data import entities
from docket.data.changes import diff
from docket.data.models import TableItem
from docket.data.transactions import Transaction, transaction
from docket.errors import Conflict, ValidationFailed
from docket.ids import new_id
from docket.security import permissions
from docket.security.principal import Principal

READ = permissions.CLIENTS_READ
MANAGE = permissions.PIPELINE_MANAGE
#: stages a firm may have (a reorder rewrites them all in one transaction)
MAX_STAGES = 50


class StageHasClients(Conflict):
    default_message = "This stage still has clients: move them to another stage before deleting it"


def _no_such_stage() -> ValidationFailed:
    return ValidationFailed(
        "No such pipeline stage",
        details=[{"field": "stageId", "message": "not a pipeline stage of this firm"}],
    )


def present(item: Stage, clients: int = 0) -> StageOut:
    return StageOut(
        id=item.id,
        name=item.name,
        color=item.color,
        position=int(item.position),
        clients=clients,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


def _pipeline(org_id: str) -> tuple[list[Stage], dict[str, int]]:
    """The firm's stages in pipeline order and their client counts: one Query of its pipeline partition."""
    stages: list[Stage] = []
    counts: dict[str, int] = {}
    # the base model's query: a subclass's would filter the other type (the counts) out
    for item in TableItem.query(stage_partition(org_id), limit=2 * MAX_STAGES + 2):
        if isinstance(item, Stage) and not item.is_deleted:
            stages.append(item)
        elif isinstance(item, StageClients):
            counts[item.sk.removeprefix("COUNT#")] = int(item.clients or 0)
    return sorted(stages, key=lambda s: (int(s.position), s.id)), counts


def all_stages(org_id: str) -> list[Stage]:
    return _pipeline(org_id)[0]


def list_stages(principal: Principal) -> list[StageOut]:
    """The pipeline, in order, each stage with its live clients."""
    principal.require(READ)
    stages, counts = _pipeline(principal.org_id)
    return [present(stage, counts.get(stage.id, 0)) for stage in stages]


def get(principal: Principal, stage_id: str) -> Stage:
    principal.require(READ)
    return entities.fetch(Stage, principal.org_id, stage_id, what="Pipeline stage")


def count_client(tx: Transaction, org_id: str, stage_id: str, delta: int) -> None:
    """In a client's transaction: one more (or fewer) client in the stage; entering it checks that
    it is a stage of the firm (a 400 on `stageId` otherwise)."""
    if delta > 0:
        pk, sk = Stage.primary_key(org_id, stage_id)
        stage = Stage(pk=pk, sk=sk, org_id=org_id, id=stage_id)
        tx.check(stage, Stage.pk.exists() & Stage.deleted_at.does_not_exist(), refusal=_no_such_stage())
    count = StageClients.of(org_id, stage_id)
    tx.update(
        count,
        actions=[
            StageClients.type.set(StageClients),
            StageClients.org_id.set(org_id),
            StageClients.clients.add(delta),
        ],
    )


def client_count(org_id: str, stage_id: str) -> int:
    count = StageClients.of(org_id, stage_id)
    try:
        return int(StageClients.get(count.pk, count.sk).clients or 0)
    except StageClients.DoesNotExist:
        return 0


def create(principal: Principal, data: StageIn) -> Stage:
    """A new stage, last or at `position` (the stages from there on move down one, in the same transaction)."""
    principal.require(MANAGE)
    current = all_stages(principal.org_id)
    if len(current) >= MAX_STAGES:
        raise ValidationFailed(
            "Too many pipeline stages", details=[{"field": "name", "message": f"at most {MAX_STAGES} stages"}]
        )
    position = min(data.position or len(current) + 1, len(current) + 1)
    item = Stage(
        id=new_id(Stage.ID_PREFIX),
        org_id=principal.org_id,
        name=data.name,
        color=data.color,
        position=position,
    )
    with transaction(principal) as tx:
        tx.save(item, condition=Stage.pk.does_not_exist())
        for later in current[position - 1 :]:
            tx.update(later, actions=[Stage.position.set(int(later.position) + 1)])
        tx.audit("pipeline_stage.created", item)
    return item


def update(principal: Principal, stage_id: str, data: StageUpdate, if_match: str | None) -> Stage:
    """Rename (or recolour) a stage; a PUT that changes nothing keeps the version."""
    principal.require(MANAGE)
    item = get(principal, stage_id)
    concurrency.check(if_match, item.version)
    changes = diff(item, data.model_dump(exclude_unset=True, by_alias=False))
    entities.commit_changes(principal, item, changes, action="pipeline_stage.updated", if_match=if_match)
    return item


def reorder(principal: Principal, data: StageOrder) -> list[Stage]:
    """Put the firm's stages in the order given (every stage, each once): one transaction, one
    audit entry naming the order before and after."""
    principal.require(MANAGE)
    current = all_stages(principal.org_id)
    ids = [s.id for s in current]
    if sorted(data.stage_ids) != sorted(ids) or len(set(data.stage_ids)) != len(data.stage_ids):
        raise ValidationFailed(
            "List every pipeline stage of the firm, each once",
            details=[{"field": "stageIds", "message": f"expected the {len(ids)} stage ids of this firm"}],
        )
    if data.stage_ids == ids:
        return current
    by_id = {s.id: s for s in current}
    with transaction(principal) as tx:
        for position, stage_id in enumerate(data.stage_ids, start=1):
            stage = by_id[stage_id]
            if int(stage.position) != position:
                tx.update(
                    stage,
                    actions=[Stage.position.set(position)],
                    condition=Stage.version == stage.version,
                )
                stage.position = position
        tx.audit(
            "pipeline.reordered",
            org_id=principal.org_id,
            resource_type="pipeline",
            resource_id=principal.org_id,
            changes={"before": {"stageIds": ids}, "after": {"stageIds": list(data.stage_ids)}},
        )
    return sorted(current, key=lambda s: int(s.position))


def delete(principal: Principal, stage_id: str, if_match: str | None) -> Stage:
    """Delete an empty stage (409 while clients are in it); the stages after it move up one."""
    principal.require(MANAGE)
    item = get(principal, stage_id)
    concurrency.check(if_match, item.version)
    stages, counts = _pipeline(principal.org_id)
    if counts.get(item.id, 0) > 0:
        raise StageHasClients(details=[{"field": "clients", "message": f"{counts[item.id]} client(s)"}])
    later = [s for s in stages if int(s.position) > int(item.position)]

    def also(tx: Transaction) -> None:
        # a client entering the stage meanwhile makes this condition (or its check of the stage) fail
        empty = StageClients.clients.does_not_exist() | (StageClients.clients == 0)
        tx.delete(StageClients.of(item.org_id, item.id), condition=empty, refusal=StageHasClients())
        for stage in later:
            tx.update(stage, actions=[Stage.position.set(int(stage.position) - 1)])

    entities.remove(
        principal, item, action="pipeline_stage.deleted", if_match=if_match, soft=False, also=also
    )
    return item
