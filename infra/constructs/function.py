"""The one way a Docket Lambda is declared: runtime, architecture, layers, logging, tracing, env."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.layers import ARCHITECTURE, RUNTIME, Layers
from infra.naming import pascal
from infra.tools.functions import FUNCTIONS_DIR


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
            code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / name), exclude=["**/__pycache__", "**/*.pyc"]),
            layers=layers.all,
            memory_size=memory_mb,
            timeout=cdk.Duration.seconds(timeout_s),
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=self.log_group,
            role=self.role,
            description=description or f"Docket {name}",
            environment={
                "POWERTOOLS_SERVICE_NAME": name,
                "POWERTOOLS_METRICS_NAMESPACE": "Docket",
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **environment,
            },
        )

        self.log_group.grant_write(self.role)

    def grant(self, *grants: Any) -> None:
        """Apply `resource.grant_*`-style callables to this function (readability at call sites)."""
        for grant in grants:
            grant(self.function)
