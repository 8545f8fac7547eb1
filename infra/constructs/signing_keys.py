"""The token signing key set: written into its secret at deploy time, rotated every 90 days.

One function (`functions/keys`) does both: it backs the `Custom::DocketSigningKeySet` resource
(Create/Update give the secret a fresh key set unless it holds a valid one; Delete does nothing, the
keys go with the secret) and it is the secret's rotation function.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.function import DocketFunction

RESOURCE_TYPE = "Custom::DocketSigningKeySet"
ROTATION_PERIOD = cdk.Duration.days(90)


class SigningKeys(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        secret: secretsmanager.Secret,
        function: DocketFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        # Grants the function what rotation needs on this secret alone (Describe, Get, Put,
        # UpdateSecretVersionStage) and lets Secrets Manager invoke it. The first rotation runs
        # when the schedule is created (so a broken rotation fails the deployment, not day 90).
        self.rotation = secret.add_rotation_schedule(
            "Rotation", rotation_lambda=function.function, automatically_after=ROTATION_PERIOD
        )
        # Secrets Manager may invoke it for this account's secrets only (confused deputy): CDK's
        # grant names the service alone, so the permission gets its source account here.
        for child in function.function.node.children:
            if isinstance(child, lambda_.CfnPermission) and child.principal == "secretsmanager.amazonaws.com":
                child.source_account = cdk.Stack.of(self).account
        self.key_set = cdk.CustomResource(
            self,
            "KeySet",
            service_token=function.function.function_arn,
            resource_type=RESOURCE_TYPE,
            properties={"SecretId": secret.secret_arn},
        )
        # the set exists before the schedule's first rotation rotates it
        self.rotation.node.add_dependency(self.key_set)
