"""One synthesis per test session (a synth takes seconds): the template every infra test reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra import naming
from infra.app import build, project_context
from infra.stack import DocketStack
from infra.tools import build_layer


def synth(tmp: Path, **context: object) -> tuple[cdk.App, DocketStack, Template]:
    deps = tmp / "deps"
    (deps / "python").mkdir(parents=True, exist_ok=True)  # the real layer is pip's job, not the tests'
    code = build_layer.build_code(tmp / "code")  # the docket layer and functions, compiled as shipped
    app = cdk.App(
        context={
            **project_context(),
            naming.CONTEXT_DEPS_LAYER_DIR: str(deps),
            naming.CONTEXT_CODE_DIR: str(code),
            **context,
        },
        outdir=str(tmp / "cdk.out"),
    )
    app, stack = build(app)
    assembly = app.synth()  # runs cdk-nag: an unacknowledged finding raises here
    template = Template.from_stack(stack)
    (tmp / "template.json").write_text(json.dumps(template.to_json()))
    assert assembly.get_stack_by_name(stack.stack_name)
    return app, stack, template


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[DocketStack, Template, Path]:
    tmp = tmp_path_factory.mktemp("synth")
    _, stack, template = synth(tmp)
    return stack, template, tmp / "template.json"


@pytest.fixture(scope="session")
def template(synthesized: tuple[DocketStack, Template, Path]) -> Template:
    return synthesized[1]


@pytest.fixture(scope="session")
def resources(template: Template) -> dict[str, Any]:
    return dict(template.to_json()["Resources"])


#: A sign-in provider whose client secret only the auth function may read.
OIDC_PROVIDER = {
    "name": "firm-idp",
    "issuer": "https://login.firm.example",
    "clientId": "docket",
    "clientSecretId": "docket/oidc/firm-idp",
}


@pytest.fixture(scope="session")
def opted_in(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The resources of the app synthesized with every deploy option on (SnapStart, the X-Ray SDK, a
    sign-in provider): one more synth per session for every option, not one per option."""
    _, _, template = synth(
        tmp_path_factory.mktemp("synth-opted-in"),
        **{
            naming.CONTEXT_SNAP_START: "true",
            naming.CONTEXT_XRAY_SDK: "true",
            naming.CONTEXT_OIDC_PROVIDERS: [OIDC_PROVIDER],
        },
    )
    return dict(template.to_json()["Resources"])
