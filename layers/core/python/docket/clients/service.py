"""Clients: rules, writes and reads (permissions and tenant checked here, on every call).

Every write is one `TransactWriteItems`: the client, its audit entry, its search entries
(docket.data.search), the counts (docket.data.tallies) and its pipeline stage's client count, on
condition the stage exists — so `stageId` always names a stage of the client's firm, and a stage
with clients cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from docket.api import concurrency
from docket.api.pagination import Page, PageRequest, Scope, paginate_window
from docket.clients import stages
from docket.clients.entities import Client, ClientCases
from docket.clients.schemas import (
    AddressOut,
    ClientAddress,
    ClientIn,
    ClientOut,
    ClientStatus,
    ClientType,
    ClientUpdate,
    ContactPerson,
    ContactPersonOut,
)
from docket.data import entities, search, tallies
from docket.data.changes import Changes, diff_values
from docket.data.listing import Listing, Narrowed, Order
from docket.data.models import item_key, org_key
from docket.data.transactions import Transaction
from docket.errors import Conflict, ValidationFailed
from docket.ids import new_id
from docket.security import permissions
from docket.security.principal import Principal

READ = permissions.CLIENTS_READ
WRITE = permissions.CLIENTS_WRITE
DELETE = permissions.CLIENTS_DELETE
KIND = "client"


class ClientHasOpenCases(Conflict):
    default_message = "This client has open cases: close or reassign them before deleting the client"


LISTING: Listing[Client] = Listing(
    Client,
    orders={
        "createdAt": Order(Client.gsi1, lambda org: f"{org_key(org)}#CLIENTS"),
        "name": Order(Client.gsi2, lambda org: f"{org_key(org)}#CLIENTS#NAME"),
        "email": Order(Client.gsi3, lambda org: f"{org_key(org)}#CLIENTS#EMAIL"),
    },
    filters={"status": "status", "type": "client_type"},
    narrowed={
        "stageId": Narrowed(
            Client.gsi4, "createdAt", lambda org, stage: f"{org_key(org)}#CLIENTS#STAGE#{stage}", "stage_id"
        )
    },
    aliases={"created_at": "createdAt", "created": "createdAt"},
)


# --- presenting --------------------------------------------------------------------------------


def present(item: Client) -> ClientOut:
    address = item.address or None
    contact = item.contact_person or None
    return ClientOut(
        id=item.id,
        name=item.name,
        first_name=item.first_name,
        last_name=item.last_name,
        email=item.email,
        phone=item.phone,
        type=ClientType(item.client_type),
        status=ClientStatus(item.status),
        address=AddressOut(**address) if address else None,
        contact_person=ContactPersonOut(**contact) if contact else None,
        stage_id=item.stage_id,
        notes=item.notes,
        tenant_id=item.org_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


# --- helpers -------------------------------------------------------------------------------------


def _full_name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


def _words(item: Client) -> tuple[str, ...]:
    contact = item.contact_person or {}
    return search.words(item.name, item.first_name, item.last_name, item.email, contact.get("name"))


def _merged(stored: Mapping[str, Any] | None, sent: Mapping[str, Any]) -> dict[str, Any] | None:
    """A nested object after a partial update: sent fields replace, `null` clears, the rest stay."""
    merged = {**(stored or {}), **sent}
    kept = {name: value for name, value in merged.items() if value is not None}
    return kept or None


def _nested(sent: ClientAddress | ContactPerson | None) -> dict[str, Any] | None:
    return (sent.model_dump(exclude_none=True, by_alias=False) or None) if sent is not None else None


def _stage_moves(tx: Transaction, org_id: str, before: str | None, after: str | None) -> None:
    """The stages' client counts follow the client; entering a stage that is not the firm's fails."""
    if before == after:
        return
    if before is not None:
        stages.count_client(tx, org_id, before, -1)
    if after is not None:
        stages.count_client(tx, org_id, after, +1)


# --- writes --------------------------------------------------------------------------------------


def create(principal: Principal, data: ClientIn) -> Client:
    principal.require(WRITE)
    item = Client(
        id=new_id(Client.ID_PREFIX),
        org_id=principal.org_id,
        name=data.name or _full_name(data.first_name, data.last_name),
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        phone=data.phone,
        client_type=data.type.value,
        status=data.status.value,
        address=_nested(data.address),
        contact_person=_nested(data.contact_person),
        stage_id=data.stage_id,
        notes=data.notes,
    )
    item.search_words = list(_words(item))

    def also(tx: Transaction) -> None:
        search.reindex(tx, item.org_id, KIND, item.id, (), item.search_words or ())
        tallies.adjust(tx, item.org_id, _counts(None, item))
        _stage_moves(tx, item.org_id, None, item.stage_id)

    return entities.create(principal, item, action="client.created", also=also)


def _counts(before: Client | Mapping[str, Any] | None, after: Client | None) -> dict[str, int]:
    def of(thing: Client | Mapping[str, Any] | None, name: str) -> str | None:
        if thing is None:
            return None
        return thing.get(name) if isinstance(thing, Mapping) else getattr(thing, name)

    deltas = dict(tallies.moved("clients", "status", of(before, "status"), of(after, "status")))
    for key, delta in tallies.moved(
        "clients", "type", of(before, "client_type"), of(after, "client_type")
    ).items():
        deltas[key] = deltas.get(key, 0) + delta
    return deltas


def get(principal: Principal, client_id: str) -> Client:
    principal.require(READ)
    return entities.fetch(Client, principal.org_id, client_id, what="Client")


def update(principal: Principal, client_id: str, data: ClientUpdate, if_match: str | None) -> Client:
    """Apply the sent fields; a PUT that changes nothing answers the client as it is (same version)."""
    principal.require(WRITE)
    item = get(principal, client_id)
    concurrency.check(if_match, item.version)
    sent = data.model_dump(exclude_unset=True, by_alias=False, exclude={"address", "contact_person", "type"})
    if "type" in data.model_fields_set and data.type is not None:
        sent["client_type"] = data.type
    if "address" in data.model_fields_set:
        given = (
            data.address.model_dump(exclude_unset=True, by_alias=False) if data.address is not None else None
        )
        sent["address"] = None if given is None else _merged(item.address, given)
    if "contact_person" in data.model_fields_set:
        given = (
            data.contact_person.model_dump(exclude_unset=True, by_alias=False)
            if data.contact_person is not None
            else None
        )
        sent["contact_person"] = None if given is None else _merged(item.contact_person, given)
    renamed = {"first_name", "last_name"} & set(sent)
    if renamed and "name" not in sent and item.name == _full_name(item.first_name, item.last_name):
        # a client named by its first and last name (seed 004) keeps its name in step with them
        first = sent.get("first_name", item.first_name)
        last = sent.get("last_name", item.last_name)
        if _full_name(first, last):
            sent["name"] = _full_name(first, last)
    current = {name: getattr(item, name, None) for name in sent}
    changes = diff_values(current, sent)
    if not changes:
        return item
    before = {"status": item.status, "client_type": item.client_type, "stage_id": item.stage_id}
    words_before = tuple(item.search_words or ())
    changes.apply(item)
    if item.first_name is None and item.last_name is None and not item.name:
        raise ValidationFailed("A client needs a name", details=[{"field": "name", "message": "required"}])
    item.search_words = list(_words(item))
    moved = "stage_id" in changes

    def also(tx: Transaction) -> None:
        search.reindex(tx, item.org_id, KIND, item.id, words_before, item.search_words or ())
        tallies.adjust(tx, item.org_id, _counts(before, item))
        _stage_moves(tx, item.org_id, before["stage_id"], item.stage_id)
        if moved:
            stage_change = Changes(before={"stage_id": before["stage_id"]}, after={"stage_id": item.stage_id})
            tx.audit("client.stage_changed", item, stage_change.audit())

    entities.commit_changes(principal, item, changes, action="client.updated", if_match=if_match, also=also)
    return item


def delete(principal: Principal, client_id: str, if_match: str | None) -> Client:
    """Soft delete (the firm keeps its history): out of every list and search, its stage's count
    freed. A client with open cases is a 409 — also when a case opens while it is being deleted."""
    principal.require(DELETE)
    item = get(principal, client_id)
    concurrency.check(if_match, item.version)
    open_cases = open_case_count(item.org_id, item.id)
    if open_cases > 0:
        raise ClientHasOpenCases(details=[{"field": "openCases", "message": f"{open_cases} open case(s)"}])
    words_before = tuple(item.search_words or ())
    before = {"status": item.status, "client_type": item.client_type}

    def also(tx: Transaction) -> None:
        search.reindex(tx, item.org_id, KIND, item.id, words_before, ())
        tallies.adjust(tx, item.org_id, _counts(before, None))
        _stage_moves(tx, item.org_id, item.stage_id, None)
        # a case opening for the client meanwhile makes this check (or the case's own check) fail
        no_open_cases = ClientCases.open_cases.does_not_exist() | (ClientCases.open_cases == 0)
        tx.check(ClientCases.of(item.org_id, item.id), no_open_cases, refusal=ClientHasOpenCases())

    entities.remove(principal, item, action="client.deleted", if_match=if_match, also=also)
    return item


def require_client(tx: Transaction, org_id: str, client_id: str, *, field: str = "clientId") -> None:
    """For the domains that link to a client (cases, tasks, disputes, events), in their write's
    transaction: `client_id` is a live client of the firm, or the write is a 400 on `field`."""
    pk, sk = Client.primary_key(org_id, client_id)
    client = Client(pk=pk, sk=sk, org_id=org_id, id=client_id)
    live = Client.pk.exists() & Client.deleted_at.does_not_exist()
    no_client = ValidationFailed(
        "No such client", details=[{"field": field, "message": "not a client of this firm"}]
    )
    tx.check(client, live, refusal=no_client)


def open_case_count(org_id: str, client_id: str) -> int:
    count = ClientCases.of(org_id, client_id)
    try:
        return int(ClientCases.get(count.pk, count.sk).open_cases or 0)
    except ClientCases.DoesNotExist:
        return 0


def count_open_case(tx: Transaction, org_id: str, client_id: str, delta: int) -> None:
    """For the cases domain, in a case's transaction: the client has one more open case (checking
    that it is a live client of the firm: a 400 on `clientId` otherwise), or one fewer (closed)."""
    if delta > 0:
        require_client(tx, org_id, client_id)
    count = ClientCases.of(org_id, client_id)
    actions = [
        ClientCases.type.set(ClientCases),
        ClientCases.org_id.set(org_id),
        ClientCases.open_cases.add(delta),
    ]
    tx.update(count, actions=actions)


# --- reads ---------------------------------------------------------------------------------------


def list_clients(
    principal: Principal,
    page: PageRequest,
    *,
    search_term: str | None = None,
    status: ClientStatus | None = None,
    client_type: ClientType | None = None,
    stage_id: str | None = None,
    sort_by: str = "createdAt",
    descending: bool = True,
) -> Page[Client]:
    """One Query a page in the sort's index (filters bounded: docket.data.listing); with `search`,
    the search entries' Query and one `BatchGetItem` of the clients found."""
    principal.require(READ)
    org_id = principal.org_id
    filters = {
        "status": status.value if status else None,
        "type": client_type.value if client_type else None,
        "stageId": stage_id,
    }
    sort = LISTING.sort_name(sort_by)
    scope = Scope(
        tenant=org_id,
        query={"list": "clients", "q": search_term, **filters, "sort": sort, "desc": descending},
    )
    if search_term:
        return _search(principal, page, scope, search_term, filters)
    plan = LISTING.plan(org_id, sort=sort, filters=filters)
    given = {name for name, value in filters.items() if value is not None}
    return paginate_window(
        lambda wanted, start: plan.read(wanted, start, forward=not descending),
        page,
        scope,
        key_of=plan.key_of,
        count=(lambda: _total(org_id, filters)) if len(given) <= 1 else None,
    )


def _total(org_id: str, filters: Mapping[str, str | None]) -> int:
    """How many clients a list of at most one filter holds, from the counts (one GetItem)."""
    if filters.get("stageId"):
        return stages.client_count(org_id, str(filters["stageId"]))
    return tallies.total(org_id, "clients", filters, dimensions=("status", "type"))


def _search(
    principal: Principal,
    page: PageRequest,
    scope: Scope,
    term: str,
    filters: Mapping[str, str | None],
) -> Page[Client]:
    """A search page: entries in word order (docket.data.search), then the clients they name,
    filtered by status, type and stage (a filtered search page may hold fewer than `limit`)."""
    org_id = principal.org_id
    hits = paginate_window(
        lambda wanted, start: search.find(org_id, KIND, term, wanted=wanted, start=start),
        page,
        scope,
        key_of=item_key,
    )
    found = entities.fetch_many(Client, org_id, [hit.entity_id for hit in hits.items])
    wanted = {
        "status": filters.get("status"),
        "client_type": filters.get("type"),
        "stage_id": filters.get("stageId"),
    }
    kept = [c for c in found if all(v is None or getattr(c, k) == v for k, v in wanted.items())]
    return Page(items=kept, pagination=hits.pagination)
