"""What a cold start loads: no handler imports at module level what only some of its routes use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from docket.process import DEFERRED_IMPORTS
from docket.topology import QUEUES, all_function_names
from infra.runtime_env import function_environment
from infra.tools.functions import ROOT

#: Deferred imports a function may load at module level because every one of its invocations needs
#: them, with the reason.
ALLOWED: dict[str, dict[str, str]] = {
    **{
        queue.consumer: {
            "aws_lambda_powertools.utilities.idempotency": "every queued event is handled idempotently",
            "boto3": "the idempotency store is a boto3 client",
        }
        for queue in QUEUES
    },
    "publisher": {"boto3": "every stream batch ends in PutEvents"},
}
#: Functions whose modules need no AWS SDK (the health check calls no AWS service; the docs load the
#: SDK with their first rate-limited request): importing them must not load it.
NO_AWS = ("platform", "docs")
AWS_SDK = ("boto3", "botocore.session", "botocore.client", "pynamodb")

# One interpreter imports every handler in turn and reports what each import added to sys.modules.
# The functions with no allowance go first, so a module one of them imports is charged to it; the
# SDK-free ones go first of all, before anything has loaded the SDK.
_PROBE = """
import json, sys
from infra.tools.functions import load
added = {}
for name in sys.argv[1:]:
    before = set(sys.modules)
    load(name)
    added[name] = sorted(set(sys.modules) - before)
print(json.dumps(added))
"""


def _loaded(module: str, modules: list[str]) -> bool:
    return any(m == module or m.startswith(module + ".") for m in modules)


def test_no_handler_imports_a_deferred_module_at_module_level() -> None:
    # Given every function, in the order above, in a fresh interpreter with a deployed function's
    # environment (tracing as deployed: the X-Ray SDK off)
    order = [
        *NO_AWS,
        *(f for f in all_function_names() if f not in NO_AWS and f not in ALLOWED),
        *ALLOWED,
    ]
    env = {**os.environ, **function_environment("probe", xray_sdk=False)}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *order], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    added: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])

    # When each handler module is imported, Then none loads a deferred module it may not
    offenders = {
        function: [
            module
            for module in DEFERRED_IMPORTS
            if module not in ALLOWED.get(function, {}) and _loaded(module, modules)
        ]
        for function, modules in added.items()
    }
    assert offenders == {function: [] for function in order}
    # and the functions that call no AWS service load no AWS SDK
    for function in NO_AWS:
        assert [m for m in AWS_SDK if _loaded(m, added[function])] == [], function
