"""The Docket stack: a thin composition of one construct per concern."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from docket import topology
from docket.settings import OidcProvider, Settings
from infra import naming
from infra.config import DocketConfig
from infra.constructs.api import RestApi
from infra.constructs.data import Data
from infra.constructs.events import EventBus, EventRouting
from infra.constructs.function import DocketFunction
from infra.constructs.layers import Layers
from infra.constructs.monitoring import Monitoring
from infra.constructs.scheduler import Schedules
from infra.constructs.signing_keys import SigningKeys
from infra.constructs.websocket import WebSocketApi
from infra.naming import pascal


class DocketStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DocketConfig,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        cors_origins = list(config.cors_origins)
        data = self.data = Data(self, "Data", cors_origins=cors_origins)
        layers = Layers(self, "Layers", deps_dir=config.deps_layer_dir, code_dir=config.code_dir)
        bus = EventBus(self, "Events")
        rest = RestApi(self, "Rest", throttle_rate=200, throttle_burst=400)
        websocket = WebSocketApi(self, "WebSocket")

        issuer = config.token_issuer or cdk.Fn.join(
            "",
            [
                "https://",
                rest.api.rest_api_id,
                ".execute-api.",
                cdk.Aws.REGION,
                ".",
                cdk.Aws.URL_SUFFIX,
                "/v1",
            ],
        )
        environment = Settings.environment(
            table_name=data.table.table_name,
            documents_bucket=data.documents.bucket_name,
            event_bus_name=bus.bus.event_bus_name,
            signing_key_secret_id=data.signing_key.secret_arn,
            app_secret_id=data.app_secret.secret_arn,
            token_issuer=issuer,
            websocket_endpoint=websocket.management_endpoint,
            mail_sender=config.mail_sender,
            cors_origins=cors_origins,
            trusted_issuers=list(config.trusted_issuers),
            oidc_providers=list(config.oidc_providers),
        )

        functions: dict[str, DocketFunction] = {}
        # SnapStart (when on) where a person waits for the cold start: the REST groups, the
        # authorizer in front of them and the WebSocket API; queue and stream consumers keep $LATEST.
        request_path = {"snap_start": config.snap_start, "xray_sdk": config.xray_sdk}
        background = {"xray_sdk": config.xray_sdk}
        for group in topology.API_GROUPS:
            functions[group.name] = DocketFunction(
                self,
                name=group.name,
                layers=layers,
                environment=environment,
                memory_mb=group.memory_mb,
                **request_path,
            )
        for name in (topology.AUTHORIZER, topology.WEBSOCKET):
            functions[name] = DocketFunction(
                self, name=name, layers=layers, environment=environment, timeout_s=29, **request_path
            )
        functions[topology.PUBLISHER] = DocketFunction(
            self, name=topology.PUBLISHER, layers=layers, environment=environment, timeout_s=29, **background
        )
        # The key set's custom resource and rotation function reads no settings: both events name the
        # secret, and it touches nothing else.
        functions[topology.KEYS] = DocketFunction(
            self, name=topology.KEYS, layers=layers, environment={}, memory_mb=512, timeout_s=60, **background
        )
        for spec in topology.QUEUES:
            if spec.consumer not in functions:
                functions[spec.consumer] = DocketFunction(
                    self,
                    name=spec.consumer,
                    layers=layers,
                    environment=environment,
                    timeout_s=spec.consumer_timeout_s,
                    **background,
                )
        for schedule in topology.SCHEDULES:
            if schedule.function not in functions:
                functions[schedule.function] = DocketFunction(
                    self, name=schedule.function, layers=layers, environment=environment, **background
                )

        # least privilege, per role; the keys function's grants (the signing secret alone) come with
        # its rotation schedule
        self.signing_keys = SigningKeys(
            self, "SigningKeys", secret=data.signing_key, function=functions[topology.KEYS]
        )
        api_groups = [functions[g.name] for g in topology.API_GROUPS]
        consumers = [functions[s.consumer] for s in topology.QUEUES]
        for fn in api_groups:
            fn.grant(
                data.table.grant_read_write_data,
                self._grant_documents,
                bus.bus.grant_put_events_to,
                data.signing_key.grant_read,
                data.app_secret.grant_read,
            )
        for fn in [functions[topology.AUTHORIZER]]:
            fn.grant(data.table.grant_read_data, data.signing_key.grant_read, data.app_secret.grant_read)
        jobs = [functions[s.function] for s in topology.SCHEDULES if functions[s.function] not in api_groups]
        for fn in [functions[topology.WEBSOCKET], *consumers, *jobs]:
            fn.grant(data.table.grant_read_write_data)
        for spec in topology.QUEUES:
            if spec.writes_documents:
                functions[spec.consumer].grant(self._grant_documents)
        for fn in [*api_groups, *consumers]:
            self._grant_send_mail(fn)
        self._grant_oidc_client_secrets(
            functions[topology.AUTH_GROUP],
            tuple(OidcProvider.model_validate(p) for p in config.oidc_providers),
        )
        for fn in [*api_groups, functions[topology.WEBSOCKET], *consumers]:
            websocket.grant_manage_connections(fn)

        if config.domain_name and config.certificate_arn:
            rest.map_domain(domain_name=config.domain_name, certificate_arn=config.certificate_arn)
        rest.wire(
            groups={g.name: functions[g.name] for g in topology.API_GROUPS},
            authorizer_function=functions[topology.AUTHORIZER],
        )
        websocket.wire(
            handler=functions[topology.WEBSOCKET], authorizer_function=functions[topology.AUTHORIZER]
        )
        routing = EventRouting(
            self,
            "Routing",
            bus=bus.bus,
            table=data.table,
            functions=functions,
            publisher=functions[topology.PUBLISHER],
        )
        self.schedules = Schedules(self, "Schedules", functions=functions)
        Monitoring(self, "Monitoring", dead_letter_queues=routing.dead_letter_queues, api=rest.api)

        self.functions = functions
        self.data = data
        self.rest = rest
        self.websocket = websocket
        self.routing = routing
        naming.output(self, naming.OUTPUT_REST_API_URL, rest.url, "REST API base URL (stage v1)")
        naming.output(self, naming.OUTPUT_WEBSOCKET_URL, websocket.stage.url, "WebSocket URL")
        naming.output(self, naming.OUTPUT_TABLE_NAME, data.table.table_name, "The single table")
        naming.output(self, naming.OUTPUT_BUS_NAME, bus.bus.event_bus_name, "Domain event bus")
        naming.output(self, naming.OUTPUT_BUCKET_NAME, data.documents.bucket_name, "Documents bucket")

    def _grant_documents(self, fn: object) -> None:
        assert isinstance(fn, cdk.aws_lambda.Function)
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    # exports are tagged for the bucket's expiry rule (`Data` construct)
                    "s3:PutObjectTagging",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                resources=[self.data.document_objects],
            )
        )

    def _grant_oidc_client_secrets(self, fn: DocketFunction, providers: tuple[OidcProvider, ...]) -> None:
        """The sign-in providers' client secrets, read by the auth function alone."""
        for provider in providers:
            if not provider.client_secret_id:
                continue
            construct_id = f"OidcClientSecret{pascal(provider.name)}"
            secret = (
                secretsmanager.Secret.from_secret_complete_arn(self, construct_id, provider.client_secret_id)
                if provider.client_secret_id.startswith("arn:")
                else secretsmanager.Secret.from_secret_name_v2(self, construct_id, provider.client_secret_id)
            )
            secret.grant_read(fn.function)

    def _grant_send_mail(self, fn: DocketFunction) -> None:
        fn.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[self.format_arn(service="ses", resource="identity", resource_name="*")],
            )
        )
