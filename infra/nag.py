"""cdk-nag (AwsSolutions) registration and acknowledgments, each with its reason.

cdk-nag 3 runs as a CDK validation plugin: an unacknowledged finding makes `synth` raise. An
acknowledgment covers the construct it is made on and everything below it. Wildcard findings
(`AwsSolutions-IAM5[Resource::…]`) name the resource as cdk-nag prints it, with references
flattened to `<LogicalId.Attr>`; `acknowledge_wildcards` computes that spelling from the same
tokens the grant used, so no logical id is ever written by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"


def register(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge `AwsSolutions-<rule>` on `scope` and below (`rule` like `"APIG4"`)."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PACK}-{rule}", reason=reason))


def acknowledge_wildcards(
    scope: IConstruct,
    *,
    reason: str,
    resources: Iterable[str] = (),
    actions: Iterable[str] = (),
) -> None:
    """Acknowledge the IAM5 findings a grant on `resources` / `actions` produces under `scope`."""
    stack = Stack.of(scope)
    for resource in resources:
        flat = flatten(stack.resolve(resource))
        if "*" in flat:
            acknowledge(scope, f"IAM5[Resource::{flat}]", reason)
    for action in actions:
        if "*" in action:
            acknowledge(scope, f"IAM5[Action::{action}]", reason)


def flatten(node: Any) -> str:
    """cdk-nag's `flattenCfnReference`: a resolved CloudFormation value as one string."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten(item) for item in items)
        if "Fn::Sub" in node:
            return flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
