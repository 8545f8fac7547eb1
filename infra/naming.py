"""Stable names: the stack, construct ids, context keys and stack outputs.

Construct ids decide CloudFormation logical ids, so renaming one replaces a resource (a new
table, a new bucket). They are spelled here once; the tests read the output names from here too.
"""

from __future__ import annotations

import re

from aws_cdk import CfnOutput, Stack
from constructs import Construct

STACK_NAME = "DocketStack"

# Context keys (cdk.json or `-c key=value`).
CONTEXT_MAIL_SENDER = "docket:mailSender"
CONTEXT_CORS_ORIGINS = "docket:corsOrigins"
CONTEXT_TOKEN_ISSUER = "docket:tokenIssuer"
CONTEXT_DEPS_LAYER_DIR = "docket:depsLayerDir"
CONTEXT_DOMAIN_NAME = "docket:domainName"
CONTEXT_CERTIFICATE_ARN = "docket:certificateArn"

# Top-level construct ids, one per concern.
LAYERS = "Layers"
DATA = "Data"
EVENTS = "Events"
REST_API = "RestApi"
WEBSOCKET_API = "WebSocketApi"
AUTH = "Auth"
WORKERS = "Workers"
SCHEDULES = "Schedules"
MONITORING = "Monitoring"

# Stack outputs (their logical ids are exactly these names).
OUTPUT_REST_API_URL = "RestApiUrl"
OUTPUT_WEBSOCKET_URL = "WebSocketUrl"
OUTPUT_WEBSOCKET_MANAGEMENT_URL = "WebSocketManagementUrl"
OUTPUT_TABLE_NAME = "TableName"
OUTPUT_BUS_NAME = "EventBusName"
OUTPUT_BUCKET_NAME = "DocumentsBucketName"
OUTPUT_TOKEN_ISSUER = "TokenIssuer"


def pascal(name: str) -> str:
    """`notifications` → `Notifications`, `overdue-invoices` → `OverdueInvoices` (construct ids)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def function_id(name: str) -> str:
    """Construct id of the Lambda for topology function `name`."""
    return f"{pascal(name)}Function"


def output(scope: Construct, name: str, value: str, description: str) -> CfnOutput:
    """A stack output named `name`, created on the stack so its logical id is `name` itself."""
    return CfnOutput(Stack.of(scope), name, value=value, description=description)
