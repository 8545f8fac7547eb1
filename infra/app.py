"""The CDK app: `python -m infra.app` (what `cdk.json` runs). Synthesizes offline, no AWS account."""

from __future__ import annotations

import json
import os
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra import naming
from infra.config import DocketConfig
from infra.nag import acknowledge_findings
from infra.stack import DocketStack

CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"


def project_context() -> dict[str, object]:
    """`cdk.json`'s context (feature flags, defaults); the CLI passes it, `python -m infra.app` reads it."""
    if os.environ.get("CDK_CONTEXT_JSON"):
        return {}
    context: dict[str, object] = json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]
    return context


def build(app: cdk.App | None = None, **context: object) -> tuple[cdk.App, DocketStack]:
    if app is None:
        # Under the CLI, CDK_OUTDIR says where; run directly (`make synth`), cdk.json's "output" does.
        outdir = None if os.environ.get("CDK_OUTDIR") else str(CDK_JSON.parent / "cdk.out")
        app = cdk.App(context={**project_context(), **context}, outdir=outdir)
    stack = DocketStack(
        app,
        naming.STACK_ID,
        config=DocketConfig.from_node(app.node),
        description="Docket: multi-tenant legal practice platform",
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    acknowledge_findings(stack)
    return app, stack


def main() -> None:
    """`python -m infra.app [-c key=value ...]`: `-c` as the CDK CLI spells it (`make synth CONTEXT=...`)."""
    import argparse

    parser = argparse.ArgumentParser(description="Synthesize the Docket stack into cdk.out/")
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    context = dict(item.split("=", 1) for item in args.context)
    app, _ = build(**context)
    app.synth()


if __name__ == "__main__":
    main()
