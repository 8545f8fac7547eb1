"""The one way a Docket Lambda is declared: runtime, architecture, layers, logging, tracing, env,
and, for the request path, SnapStart on published versions behind the `live` alias."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.layers import ARCHITECTURE, RUNTIME, Layers
from infra.naming import LIVE_ALIAS, pascal
from infra.runtime_env import function_environment


class DocketFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        *,
        name: str,
        layers: Layers,
        environment: dict[str, str],
        memory_mb: int = 512,
        timeout_s: int = 29,
        description: str = "",
        snap_start: bool = False,
        xray_sdk: bool = False,
    ) -> None:
        super().__init__(scope, pascal(name))
        self.name = name
        # A role with nothing attached: no AWS-managed policy, only its own log group and what the
        # stack grants it per function kind.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Docket {name} function",
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="app.handler",
            code=layers.function_code(name),
            layers=layers.all,
            memory_size=memory_mb,
            timeout=cdk.Duration.seconds(timeout_s),
            # Lambda's own segments (and API Gateway's trace) always; the in-function SDK only with
            # `xray_sdk` (infra/runtime_env.py says why)
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=self.log_group,
            role=self.role,
            description=description or f"Docket {name}",
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            environment={**function_environment(name, xray_sdk=xray_sdk), **environment},
        )
        #: What event sources and APIs invoke: the function itself, or with SnapStart the `live`
        #: alias of the version published from this synth (SnapStart never applies to $LATEST).
        self.target: lambda_.IFunction = self.function
        if snap_start:
            self.target = lambda_.Alias(
                self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version
            )

        self.log_group.grant_write(self.role)

    def grant(self, *grants: Any) -> None:
        """Apply `resource.grant_*`-style callables to this function (readability at call sites)."""
        for grant in grants:
            grant(self.function)
