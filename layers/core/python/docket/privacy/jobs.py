"""Personal-data exports prepared in the background, for the exports too large to answer inline.

`GET /users/me/download-data` answers a small export at once; a large one (or one asked for with
`Prefer: respond-async`) becomes a job: an item `data_export` (status `queued` → `running` → `done`
or `failed`), whose creation reaches the exporter through the stream, the bus and its queue
(`data_export.created`, `topology.QUEUES`). The exporter writes the JSON file to the documents bucket
under the organization the request came from, `org/<orgId>/exports/personal-data/<userId>/<id>.json`
(the functions' grants stay on `org/*`; the file is tagged for the bucket's 7-day expiry rule), and
the job then offers a presigned GET valid five minutes, each time its status is read, for seven
days. A job is its user's alone: anyone else's id is a 404.

Access patterns (docs/access-patterns.md): a job by id `ORG#<org>#DATAEXPORT#<id>` / `META` (U2); a
user's jobs newest first, GSI1 `ORG#<org>#DATAEXPORTS#<user>` (U3).
"""

from __future__ import annotations

import json
from datetime import timedelta
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, UpdateError

from docket import clock, topology
from docket.aws import client
from docket.data.models import TenantItem, org_key
from docket.data.transactions import transaction
from docket.errors import Forbidden, NotFound
from docket.ids import new_id
from docket.observability import logger
from docket.privacy.models import DataExportOut
from docket.security.principal import Principal
from docket.settings import get_settings

#: an export of more records than this is prepared by the worker
INLINE_RECORDS = 500
#: a queued or running job younger than this is answered again instead of a new one
STILL_RUNNING = timedelta(minutes=15)
#: how long the file can be downloaded (the bucket's lifecycle rule removes it then)
DOWNLOADABLE_FOR = timedelta(days=topology.EXPORT_RETENTION_DAYS)
URL_TTL_S = 300
RETENTION_TAG = "=".join(topology.EXPORT_TAG)


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


class DataExport(TenantItem, discriminator="data_export"):
    ID_PREFIX = "dexp"

    user_id = UnicodeAttribute()
    status = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    expires_at = UnicodeAttribute(null=True)
    object_key = UnicodeAttribute(null=True)
    size_bytes = NumberAttribute(null=True)
    records = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)

    def keys(self) -> dict[str, str | None]:
        return {
            "pk": f"{org_key(self.org_id)}#DATAEXPORT#{self.id}",
            "sk": "META",
            "gsi1pk": f"{org_key(self.org_id)}#DATAEXPORTS#{self.user_id}",
            "gsi1sk": f"{self.created_at}#{self.id}",
        }

    @property
    def current_status(self) -> Status:
        if self.status == Status.DONE and self.expires_at is not None and self.expires_at <= clock.iso():
            return Status.EXPIRED
        return Status(self.status)


def person(principal: Principal) -> None:
    if principal.auth_method == "api_key":
        raise Forbidden("API keys act for an integration, not a person: they hold no personal data to export")


def _newest(principal: Principal) -> DataExport | None:
    found = DataExport.gsi1.query(
        f"{org_key(principal.org_id)}#DATAEXPORTS#{principal.user_id}", scan_index_forward=False, limit=1
    )
    return next((item for item in found if isinstance(item, DataExport)), None)


def request(principal: Principal) -> DataExport:
    """A job for the caller's export: the one still under way, or a new one."""
    person(principal)
    newest = _newest(principal)
    recent = clock.iso(clock.now() - STILL_RUNNING)
    if newest is not None and newest.status in (Status.QUEUED, Status.RUNNING) and newest.created_at > recent:
        return newest
    item = DataExport(
        id=new_id(DataExport.ID_PREFIX),
        org_id=principal.org_id,
        user_id=principal.user_id,
        status=Status.QUEUED.value,
        ttl=DOWNLOADABLE_FOR + timedelta(days=23),
    )
    with transaction(principal) as tx:
        tx.save(item, condition=DataExport.pk.does_not_exist())
        tx.audit("user.data_export_requested", item)
    return item


def get(principal: Principal, export_id: str) -> DataExport:
    """One of the caller's jobs; anyone else's (or none) is the same 404."""
    person(principal)
    try:
        item = DataExport.get(f"{org_key(principal.org_id)}#DATAEXPORT#{export_id}", "META")
    except DataExport.DoesNotExist:
        item = None
    if item is None or item.user_id != principal.user_id:
        raise NotFound("Data export not found")
    return item


def object_key(item: DataExport) -> str:
    return f"org/{item.org_id}/exports/personal-data/{item.user_id}/{item.id}.json"


def download_url(item: DataExport) -> str | None:
    """A presigned GET of the finished file (valid `URL_TTL_S`), or None before it is done or after
    it expired."""
    if item.current_status is not Status.DONE or not item.object_key:
        return None
    filename = f"docket-personal-data-{(item.completed_at or '')[:10]}.json"
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": get_settings().documents_bucket,
            "Key": item.object_key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseContentType": "application/json",
        },
        ExpiresIn=URL_TTL_S,
    )
    return url


def _advance(item: DataExport, actions: list[Any], expected: Status) -> bool:
    try:
        item.update(
            actions=[*actions, DataExport.updated_at.set(clock.iso())],
            condition=DataExport.status == expected.value,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def run(org_id: str, export_id: str) -> None:
    """The worker's step: collect the person's data, write the file, mark the job done (or failed).
    A job that is not queued any more (a redelivered event) is left alone."""
    try:
        item = DataExport.get(f"{org_key(org_id)}#DATAEXPORT#{export_id}", "META", consistent_read=True)
    except DataExport.DoesNotExist:
        logger.warning("data export vanished", extra={"exportId": export_id})
        return
    from docket.privacy import export  # the sections read every feature's items: loaded when used

    started = [DataExport.status.set(Status.RUNNING.value), DataExport.started_at.set(clock.iso())]
    if not _advance(item, started, Status.QUEUED):
        return
    try:
        data = export.collect(item.user_id)
        body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode()
        key = object_key(item)
        client("s3").put_object(
            Bucket=get_settings().documents_bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            Tagging=RETENTION_TAG,
        )
    except (BotoCoreError, ClientError, PynamoDBException):
        logger.exception("data export failed", extra={"exportId": export_id})
        failed = [
            DataExport.status.set(Status.FAILED.value),
            DataExport.error.set("The export could not be prepared; ask for it again"),
        ]
        _advance(item, failed, Status.RUNNING)
        return
    now = clock.now()
    done = [
        DataExport.status.set(Status.DONE.value),
        DataExport.completed_at.set(clock.iso(now)),
        DataExport.expires_at.set(clock.iso(now + DOWNLOADABLE_FOR)),
        DataExport.object_key.set(key),
        DataExport.size_bytes.set(len(body)),
        DataExport.records.set(int(data["records"])),
    ]
    _advance(item, done, Status.RUNNING)


def inline_or_job(principal: Principal, *, prefer_async: bool) -> dict[str, Any] | DataExport:
    """The caller's data at once when it is small (and not asked for asynchronously), else a job."""
    from docket.privacy import export

    person(principal)
    if not prefer_async:
        try:
            return export.collect(principal.user_id, limit=INLINE_RECORDS)
        except export.TooLarge:
            pass
    return request(principal)


def present(item: DataExport) -> DataExportOut:
    from docket.api import request as request_state

    url = download_url(item)
    status_path = f"{request_state.current().base_path}/users/me/download-data/{item.id}"
    return DataExportOut(
        id=item.id,
        status=item.current_status.value,
        created_at=item.created_at,
        started_at=item.started_at,
        completed_at=item.completed_at,
        expires_at=item.expires_at,
        records=None if item.records is None else int(item.records),
        size_bytes=None if item.size_bytes is None else int(item.size_bytes),
        status_url=status_path,
        download_url=url,
        download_expires_in=URL_TTL_S if url else None,
        error=item.error,
    )
