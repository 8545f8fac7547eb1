"""cdk-nag (AwsSolutions) findings we accept, each with its reason. Anything else fails synth.

Each acknowledgment is scoped to the constructs it is about, so a new finding elsewhere still
fails the build.
"""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk
from constructs import IConstruct

from docket import topology
from infra.stack import DocketStack

RULE = "AwsSolutions::AwsSolutions-"


def _ack(scopes: Iterable[IConstruct], rule: str, reason: str) -> None:
    for scope in scopes:
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{RULE}{rule}", reason=reason))


def _logical_id(stack: cdk.Stack, construct: IConstruct) -> str:
    child = construct.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return stack.resolve(child.logical_id)  # type: ignore[no-any-return]


def acknowledge_findings(stack: DocketStack) -> None:
    functions = list(stack.functions.values())
    api = stack.rest.api
    _ack(
        [api],
        "APIG3",
        "WAF is attached per deployment (account-level web ACLs); in-app per-caller rate limits and stage "
        "throttling guard the API meanwhile.",
    )
    _ack(
        [api],
        "APIG4",
        "Public by design: GET (and HEAD) /health, /openapi.json, /docs, the sign-in routes and CORS preflight "
        "OPTIONS (topology.api_methods marks them); every other method uses the Lambda authorizer.",
    )
    _ack(
        [stack.websocket.api],
        "APIG4",
        "WebSocket authorization happens on $connect (the Lambda authorizer); API Gateway applies it to the "
        "connection, so $disconnect and $default carry no authorizer of their own.",
    )
    _ack(
        [api],
        "COG4",
        "The Lambda REQUEST authorizer verifies Docket's own RS256 tokens, tokens of configured Cognito user "
        "pools and API keys, and checks session revocation; a Cognito authorizer can do none of the last three.",
    )
    keys = stack.functions[topology.KEYS]
    _ack(
        [fn for fn in functions if fn is not keys],
        "IAM5[Resource::*]",
        "X-Ray's PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
    )
    _ack(
        [keys],
        "IAM5[Resource::*]",
        "X-Ray's PutTraceSegments/PutTelemetryRecords, and secretsmanager:GetRandomPassword (which CDK's "
        "rotation schedule grants every rotation function), support no resource-level permissions; "
        "GetRandomPassword reads no secret. Every other secretsmanager action is on the signing key secret.",
    )
    _ack(
        functions,
        f"IAM5[Resource::<{_logical_id(stack, stack.data.documents)}.Arn>/org/*]",
        "Objects of the documents bucket under org/ (one prefix per tenant, checked by the services).",
    )
    _ack(
        functions,
        f"IAM5[Resource::<{_logical_id(stack, stack.data.table)}.Arn>/index/*]",
        "The table's GSIs (declared in docket/data/schema.py); queries are tenant-keyed by the services.",
    )
    _ack(
        functions,
        f"IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<{_logical_id(stack, stack.websocket.api)}>/v1/POST/@connections/*]",
        "Pushing to WebSocket connections: connection ids are only known at run time.",
    )
    _ack(
        functions,
        "IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]",
        "Sending mail from the configured sender identity; recipients are identities too in SES's model.",
    )
    _ack(
        functions,
        "L1",
        "python3.12 is pinned: the dependencies layer is built from cp312 aarch64 wheels; move both together.",
    )
    _ack(
        [stack.data.app_secret],
        "SMG4",
        "Rotating the HMAC secret would invalidate every pagination cursor and CSRF token in flight.",
    )
    if stack.schedules.role is not None:
        for target in stack.schedules.targets:
            _ack(
                [stack.schedules.role],
                f"IAM5[Resource::<{_logical_id(stack, target.function)}.Arn>:*]",
                "Invoking the job's function, any version (the grant CDK makes for a function).",
            )
    _ack(
        stack.routing.dead_letter_queues,
        "SQS3",
        "These queues are the dead-letter queues (of the stream source, the queues and the rule targets).",
    )
