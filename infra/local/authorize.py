"""Running the Lambda authorizer the way API Gateway does, and reading its answer.

API Gateway's rules: the authorizer raising `Exception("Unauthorized")` is a 401; any other error,
or an answer without `principalId`/`policyDocument`, or a context value that is not a string,
number or boolean, is a 500 (AuthorizerConfigurationException); an explicit Deny matching the
method ARN, or no Allow matching it, is a 403; otherwise the request goes on with `principalId`
and the context (values as strings) in `requestContext.authorizer`.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from docket.topology import AUTHORIZER
from infra.local.invoke import Invoker
from infra.local.payloads import authorizer_context

log = logging.getLogger("docket.local.authorizer")


@dataclass(frozen=True)
class Decision:
    #: 200 (allowed), 401, 403 or 500.
    status: int
    #: `requestContext.authorizer` for the integration, when allowed.
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.status == 200


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _matches(patterns: Iterable[str], value: str) -> bool:
    # IAM wildcards: `*` any run of characters (including `/`), `?` one character
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def evaluate(policy: Mapping[str, Any], method_arn: str) -> bool:
    """Whether an IAM policy document allows `execute-api:Invoke` on `method_arn`."""
    allowed = False
    for statement in _as_list_of_dicts(policy.get("Statement")):
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement.get("Resource"))
        if not (_matches(actions, "execute-api:Invoke") and _matches(resources, method_arn)):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _as_list_of_dicts(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    return [s for s in value or [] if isinstance(s, Mapping)]


def authorize(invoker: Invoker, event: dict[str, Any], method_arn: str) -> Decision:
    """Invoke the authorizer on `event` (synchronously: call it from a worker thread)."""
    try:
        answer = invoker(AUTHORIZER, event)
    except Exception as exc:
        if str(exc) == "Unauthorized":
            return Decision(401)
        log.exception("the authorizer failed (API Gateway answers 500)")
        return Decision(500)
    if not isinstance(answer, Mapping) or "principalId" not in answer or "policyDocument" not in answer:
        log.error("the authorizer's answer is malformed: %r", answer)
        return Decision(500)
    context = answer.get("context") or {}
    if not isinstance(context, Mapping) or any(isinstance(v, (dict, list)) for v in context.values()):
        log.error("authorizer context values must be strings, numbers or booleans: %r", context)
        return Decision(500)
    if not evaluate(answer["policyDocument"], method_arn):
        return Decision(403)
    return Decision(200, authorizer_context(answer["principalId"], context))
