"""The WebSocket API: $connect (behind the authorizer, `?token=` required), $disconnect, $default
(two-way)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from docket.topology import STAGE, websocket_identity_sources
from infra.constructs.function import DocketFunction


class WebSocketApi(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.WebSocketApi(self, "Api", api_name="docket-ws", description="Docket realtime")
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS)
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=STAGE,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=500, burst_limit=1000),
        )
        stage = self.stage.node.default_child
        assert isinstance(stage, apigwv2.CfnStage)
        stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn,
            format='{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","routeKey":"$context.routeKey",'
            '"status":"$context.status","connectionId":"$context.connectionId","error":"$context.error.message"}',
        )

    @property
    def management_endpoint(self) -> str:
        """`https://{api}.execute-api.{region}.amazonaws.com/v1`, from the API id only (no cycles)."""
        return cdk.Fn.join(
            "",
            [
                "https://",
                self.api.api_id,
                ".execute-api.",
                cdk.Aws.REGION,
                ".",
                cdk.Aws.URL_SUFFIX,
                f"/{STAGE}",
            ],
        )

    def wire(self, *, handler: DocketFunction, authorizer_function: DocketFunction) -> None:
        integration = integrations.WebSocketLambdaIntegration("Handler", handler.function)
        # `$connect` without the token is refused (401) before the authorizer runs: no anonymous
        # connections (the emulator reads the same declaration)
        authorizer = authorizers.WebSocketLambdaAuthorizer(
            "Authorizer", authorizer_function.function, identity_source=list(websocket_identity_sources())
        )
        self.api.add_route("$connect", integration=integration, authorizer=authorizer)
        self.api.add_route("$disconnect", integration=integration)
        self.api.add_route("$default", integration=integration, return_response=True)

    def grant_manage_connections(self, fn: DocketFunction) -> None:
        fn.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["execute-api:ManageConnections"],
                resources=[
                    cdk.Stack.of(self).format_arn(
                        service="execute-api",
                        resource=self.api.api_id,
                        resource_name=f"{STAGE}/POST/@connections/*",
                    )
                ],
            )
        )
