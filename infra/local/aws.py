"""Embedded AWS (moto in server mode), with every resource created from the stack's declarations."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
from moto.server import ThreadedMotoServer

from docket.data.schema import TTL_ATTRIBUTE, create_table_request
from docket.process import forget_environment
from docket.security.keys import generate_key_set_json
from docket.settings import Settings
from docket.topology import EVENT_SOURCE, QUEUES, QueueSpec

REGION = "us-east-1"
ACCOUNT = "123456789012"
PREFIX = "docket-local"
#: Local queues retry fast: a failed message is visible again after this many seconds.
LOCAL_VISIBILITY_S = 2


def queue_name(spec: QueueSpec) -> str:
    return f"{PREFIX}-{spec.name}"


def dlq_name(spec: QueueSpec) -> str:
    return f"{PREFIX}-{spec.name}-dlq"


def local_settings(
    *, websocket_endpoint: str, token_issuer: str, rate_limits_enabled: bool = True
) -> dict[str, Any]:
    """Settings fields for a local run (the secret ids are filled in by `bootstrap`)."""
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
    """Make boto3 (and so every handler in this process) talk to the embedded AWS."""
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_NAMESPACE="Docket",
        POWERTOOLS_DEV="false",
    )
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "docket-local")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    forget_environment()


def bootstrap(fields: dict[str, Any]) -> Settings:
    """Create the table, bucket, bus, queues, rules, secrets and mail identity; return the settings."""
    settings = Settings.model_validate(Settings.environment(**fields))
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(**create_table_request(settings.table_name))
    dynamodb.update_time_to_live(
        TableName=settings.table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=settings.documents_bucket)
    s3.put_bucket_cors(
        Bucket=settings.documents_bucket,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedMethods": ["GET", "PUT", "POST"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"]}
            ]
        },
    )

    events = boto3.client("events")
    events.create_event_bus(Name=settings.event_bus_name)
    sqs = boto3.client("sqs")
    for spec in QUEUES:
        dlq_url = sqs.create_queue(QueueName=dlq_name(spec))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        url = sqs.create_queue(
            QueueName=queue_name(spec),
            Attributes={
                "VisibilityTimeout": str(LOCAL_VISIBILITY_S),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}
                ),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        pattern: dict[str, Any] = {"source": [EVENT_SOURCE]}
        if spec.detail_types:
            pattern["detail-type"] = list(spec.detail_types)
        rule = f"{PREFIX}-{spec.name}"
        events.put_rule(Name=rule, EventBusName=settings.event_bus_name, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule=rule, EventBusName=settings.event_bus_name, Targets=[{"Id": spec.name, "Arn": arn}]
        )

    manager = boto3.client("secretsmanager")
    signing = manager.create_secret(Name=settings.signing_key_secret_id, SecretString=generate_key_set_json())
    app_secret = manager.create_secret(Name=settings.app_secret_id, SecretString=secrets.token_urlsafe(48))
    boto3.client("ses").verify_email_identity(EmailAddress=settings.mail_sender)

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
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        point_process_at(endpoint)
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
        current = {**self.fields}
        current["signing_key_secret_id"] = self.settings.signing_key_secret_id
        current["app_secret_id"] = self.settings.app_secret_id
        os.environ.update(Settings.environment(**current))
        forget_environment()
        self.settings = Settings.model_validate(Settings.environment(**current))
        return self.settings

    def reset(self) -> Settings:
        httpx.post(f"{self.endpoint}/moto-api/reset", timeout=30).raise_for_status()
        point_process_at(self.endpoint)
        self.settings = bootstrap(self.fields)
        return self.settings

    def stop(self) -> None:
        self.server.stop()
