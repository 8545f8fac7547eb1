"""Embedded AWS: moto in server mode, with every resource created from the stack's declarations
(`schema.create_table_request`, `topology.QUEUES`, the Settings names).

One process has one embedded AWS: the handlers run in process and their boto3 clients take the
endpoint from `AWS_ENDPOINT_URL`. Tests share one server per session and get a blank account per
test with `LocalAws.reset()` (moto's `/moto-api/reset` + `bootstrap`, ~0.2 s).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
import httpx
from moto.server import ThreadedMotoServer

from docket.data.schema import TTL_ATTRIBUTE, create_table_request
from docket.process import forget_environment
from docket.security.key_rotation import ensure_key_set
from docket.settings import Settings
from docket.topology import EVENT_SOURCE, QUEUES, QueueSpec
from infra.local import dynamodb, sqs
from infra.local.payloads import ACCOUNT, REGION

__all__ = ["ACCOUNT", "PREFIX", "REGION", "LocalAws", "bootstrap", "queue_name", "wire_queue"]

PREFIX = "docket-local"
#: Local queues retry fast: a failed message is visible again after this many seconds (the stack
#: uses 6x the consumer timeout).
LOCAL_VISIBILITY_S = 2
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def queue_name(spec: QueueSpec) -> str:
    return f"{PREFIX}-{spec.name}"


def dlq_name(spec: QueueSpec) -> str:
    return f"{PREFIX}-{spec.name}-dlq"


def stream_failures_queue_name() -> str:
    """The publisher mapping's on-failure destination (PublisherFailures in the stack)."""
    return f"{PREFIX}-publisher-failures"


def local_settings(
    *, websocket_endpoint: str, token_issuer: str, rate_limits_enabled: bool = True
) -> dict[str, Any]:
    """Settings fields for a local run (`bootstrap` replaces the secret names by their ARNs)."""
    return {
        "table_name": f"{PREFIX}-table",
        "documents_bucket": f"{PREFIX}-documents",
        "event_bus_name": f"{PREFIX}-bus",
        "signing_key_secret_id": f"{PREFIX}/signing-key",
        "app_secret_id": f"{PREFIX}/app-secret",
        "token_issuer": token_issuer,
        "websocket_endpoint": websocket_endpoint,
        "mail_sender": "no-reply@docket.local",
        "cors_origins": ("*",),
        "rate_limits_enabled": rate_limits_enabled,
    }


def point_process_at(endpoint: str) -> None:
    """Make boto3 — so every handler in this process — talk to the embedded AWS."""
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_NAMESPACE="Docket",
        POWERTOOLS_DEV="false",
        **FAKE_CREDENTIALS,
    )
    # a developer's real profile must never be picked up instead of the fake credentials
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "docket-local")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # EMF metrics are JSON lines on stdout: noise locally, unless a developer asks for them
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    forget_environment()


@cache
def dispatch_without_rescanning() -> None:
    """moto's server finds the service of every request by listing its own package directory (a
    stat per service, ~150) and trying every service's URL patterns, under one lock: that was
    half of the emulator process's CPU under load. Both answers depend on the host alone."""
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    find = DomainDispatcherApplication.get_backend_for_host
    found: dict[tuple[int, str | None], Any] = {}

    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        key = (id(self), host)
        if key not in found:
            found[key] = find(self, host)
        return found[key]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


@cache
def keep_connections_alive() -> None:
    """moto's server speaks HTTP/1.0 (werkzeug's `make_server` default): every AWS call opened a new
    connection, and the server a new thread for it. HTTP/1.1 lets boto3 keep its connections."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    MotoRequestHandler.protocol_version = "HTTP/1.1"


@cache
def _bootstrap_session() -> boto3.session.Session:
    """One session for every bootstrap: it keeps the service models it loaded (a blank account per
    test would otherwise parse them again each time). Clients still read the endpoint when made."""
    return boto3.session.Session()


def wire_queue(
    session: boto3.session.Session, bus_name: str, spec: QueueSpec, *, visibility_s: int = LOCAL_VISIBILITY_S
) -> str:
    """A queue with its DLQ (redrive after `spec.max_receive_count` receives) and the bus rule
    routing `spec.detail_types` from Docket's source to it; returns the queue URL."""
    sqs = session.client("sqs")
    events = session.client("events")
    dlq_url = sqs.create_queue(QueueName=dlq_name(spec))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = str(
        sqs.create_queue(
            QueueName=queue_name(spec),
            Attributes={
                "VisibilityTimeout": str(visibility_s),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}
                ),
            },
        )["QueueUrl"]
    )
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern: dict[str, Any] = {"source": [EVENT_SOURCE]}
    if spec.detail_types:
        pattern["detail-type"] = list(spec.detail_types)
    rule = f"{PREFIX}-{spec.name}"
    events.put_rule(Name=rule, EventBusName=bus_name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, EventBusName=bus_name, Targets=[{"Id": spec.name, "Arn": arn}])
    return url


def bootstrap(fields: dict[str, Any]) -> Settings:
    """Create the table (with stream and TTL), the documents bucket, the bus with a queue, DLQ and
    rule per QueueSpec, the publisher's failure queue, both secrets and the verified mail sender.

    Expects the process to point at the embedded AWS (`point_process_at`); exports the resulting
    settings to the environment (the in-process handlers read them) and returns them.
    """
    settings = Settings.model_validate(Settings.environment(**fields))
    session = _bootstrap_session()

    dynamodb = session.client("dynamodb")
    dynamodb.create_table(**create_table_request(settings.table_name))
    dynamodb.update_time_to_live(
        TableName=settings.table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )

    s3 = session.client("s3")
    s3.create_bucket(Bucket=settings.documents_bucket)
    s3.put_bucket_versioning(Bucket=settings.documents_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_cors(
        Bucket=settings.documents_bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedMethods": ["GET", "PUT", "POST"],
                    "AllowedOrigins": list(settings.cors_origins),
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )

    session.client("events").create_event_bus(Name=settings.event_bus_name)
    for spec in QUEUES:
        wire_queue(session, settings.event_bus_name, spec)
    session.client("sqs").create_queue(QueueName=stream_failures_queue_name())

    manager = session.client("secretsmanager")
    # as deployed: a random placeholder, replaced by a fresh key set (what the custom resource does)
    signing = manager.create_secret(
        Name=settings.signing_key_secret_id, SecretString=secrets.token_urlsafe(32)
    )
    ensure_key_set(signing["ARN"])
    app_secret = manager.create_secret(Name=settings.app_secret_id, SecretString=secrets.token_urlsafe(48))

    ses = session.client("ses")
    ses.verify_email_identity(EmailAddress=settings.mail_sender)
    # the whole sender domain, so mail from any local address (support@, billing@) is accepted
    ses.verify_domain_identity(Domain=settings.mail_sender.rsplit("@", 1)[-1])

    fields = {**fields, "signing_key_secret_id": signing["ARN"], "app_secret_id": app_secret["ARN"]}
    os.environ.update(Settings.environment(**fields))
    forget_environment()
    return Settings.model_validate(Settings.environment(**fields))


@dataclass
class LocalAws:
    """A running moto server with Docket's resources; `reset()` gives a blank account again."""

    server: ThreadedMotoServer
    endpoint: str
    fields: dict[str, Any]
    settings: Settings = field(init=False)

    @classmethod
    def start(
        cls,
        *,
        websocket_endpoint: str = "http://127.0.0.1:9/",
        token_issuer: str = "https://docket.local/v1",
        rate_limits_enabled: bool = True,
    ) -> LocalAws:
        # werkzeug logs every request moto serves at INFO
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        dynamodb.install()  # before moto serves anything: see infra/local/dynamodb.py
        dispatch_without_rescanning()
        sqs.install()  # a send costs the same with a backlog: see infra/local/sqs.py
        keep_connections_alive()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        point_process_at(endpoint)
        from infra.local import mail

        mail.install()  # before anything is sent: the mailbox timestamps sent mail
        fields = local_settings(
            websocket_endpoint=websocket_endpoint,
            token_issuer=token_issuer,
            rate_limits_enabled=rate_limits_enabled,
        )
        local = cls(server=server, endpoint=endpoint, fields=fields)
        local.settings = bootstrap(fields)
        return local

    def configure(self, **fields: Any) -> Settings:
        """Change settings fields (e.g. the WebSocket endpoint once the emulator listens)."""
        self.fields.update(fields)
        current = {
            **self.fields,
            "signing_key_secret_id": self.settings.signing_key_secret_id,
            "app_secret_id": self.settings.app_secret_id,
        }
        os.environ.update(Settings.environment(**current))
        forget_environment()
        self.settings = Settings.model_validate(Settings.environment(**current))
        return self.settings

    def reset(self) -> Settings:
        """A blank account with freshly bootstrapped resources (and the same settings fields)."""
        httpx.post(f"{self.endpoint}/moto-api/reset", timeout=30).raise_for_status()
        point_process_at(self.endpoint)
        self.settings = bootstrap(self.fields)
        return self.settings

    def stop(self) -> None:
        self.server.stop()
