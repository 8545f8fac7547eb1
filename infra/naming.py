"""Stable construct ids and output names, in one place (tests read outputs by these constants)."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

STACK_ID = "Docket"
OUTPUT_REST_API_URL = "RestApiUrl"
OUTPUT_WEBSOCKET_URL = "WebSocketUrl"
OUTPUT_TABLE_NAME = "TableName"
OUTPUT_BUS_NAME = "EventBusName"
OUTPUT_BUCKET_NAME = "DocumentsBucketName"


def pascal(name: str) -> str:
    """`helpdesk` → `Helpdesk`, `openapi.json` → `OpenapiJson` (construct ids from topology names)."""
    return "".join(part.capitalize() for part in name.replace(".", "-").replace("_", "-").split("-"))


def output(scope: Construct, name: str, value: str, description: str) -> cdk.CfnOutput:
    return cdk.CfnOutput(scope, name, value=value, description=description, export_name=f"{STACK_ID}-{name}")


# CDK context keys (cdk.json or `-c key=value`)
CONTEXT_MAIL_SENDER = "docket:mailSender"
CONTEXT_CORS_ORIGINS = "docket:corsOrigins"
CONTEXT_TOKEN_ISSUER = "docket:tokenIssuer"
CONTEXT_DEPS_LAYER_DIR = "docket:depsLayerDir"
CONTEXT_DOMAIN_NAME = "docket:domainName"
CONTEXT_CERTIFICATE_ARN = "docket:certificateArn"
CONTEXT_TRUSTED_ISSUERS = "docket:trustedIssuers"
CONTEXT_OIDC_PROVIDERS = "docket:oidcProviders"
CONTEXT_CODE_DIR = "docket:codeDir"
CONTEXT_SNAP_START = "docket:snapStart"
CONTEXT_XRAY_SDK = "docket:xraySdk"
#: The alias API Gateway invokes when SnapStart is on (SnapStart runs on published versions only).
LIVE_ALIAS = "live"
