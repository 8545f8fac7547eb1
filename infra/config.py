"""Deployment settings from CDK context (cdk.json, `-c key=value`, or the tests' overrides)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs import Node

from infra import naming

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEPS_LAYER_DIR = ROOT / ".build" / "layers" / "deps"
DEFAULT_CODE_DIR = ROOT / ".build" / "code"
DEFAULT_MAIL_SENDER = "no-reply@docket.example"
DEFAULT_CORS_ORIGINS: tuple[str, ...] = ("*",)


@dataclass(frozen=True, kw_only=True)
class DocketConfig:
    mail_sender: str = DEFAULT_MAIL_SENDER
    cors_origins: tuple[str, ...] = DEFAULT_CORS_ORIGINS
    #: `iss` of Docket's tokens; None means the REST API's own stage URL (computed in the stack).
    token_issuer: str | None = None
    #: Directory holding `python/` with the runtime dependencies (built by `make layer`).
    deps_layer_dir: Path = DEFAULT_DEPS_LAYER_DIR
    #: Directory holding the compiled `docket` layer (`core/`) and functions (`functions/<name>/`),
    #: built by `make layer` (`infra/tools/build_layer.py`).
    code_dir: Path = DEFAULT_CODE_DIR
    #: SnapStart on the request-path functions: versions published with it, API Gateway invoking
    #: an alias (docs/benchmarks.md, "SnapStart").
    snap_start: bool = False
    #: The X-Ray SDK inside the functions (per-AWS-call subsegments); Lambda's own tracing is on
    #: either way. Off by default: it costs ~150-250 ms of every cold start.
    xray_sdk: bool = False
    #: Optional custom domain: when both are set, every topology base path maps onto the stage.
    domain_name: str | None = None
    certificate_arn: str | None = None
    #: Cognito user pools whose access tokens the authorizer accepts: `[{issuer, clientIds, jwksUrl?}]`
    trusted_issuers: tuple[dict[str, Any], ...] = ()
    #: OpenID Connect providers for single sign-on: `[{name, issuer, clientId, clientSecretId?, …}]`
    #: (`clientSecretId` names a Secrets Manager secret the auth function may read)
    oidc_providers: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_node(cls, node: Node) -> DocketConfig:
        def get(key: str) -> Any:
            value = node.try_get_context(key)
            return None if value in (None, "") else value

        origins = get(naming.CONTEXT_CORS_ORIGINS)
        deps_dir = get(naming.CONTEXT_DEPS_LAYER_DIR)
        code_dir = get(naming.CONTEXT_CODE_DIR)
        return cls(
            mail_sender=get(naming.CONTEXT_MAIL_SENDER) or DEFAULT_MAIL_SENDER,
            cors_origins=_origins(origins) if origins is not None else DEFAULT_CORS_ORIGINS,
            token_issuer=get(naming.CONTEXT_TOKEN_ISSUER),
            deps_layer_dir=Path(deps_dir) if deps_dir else DEFAULT_DEPS_LAYER_DIR,
            code_dir=Path(code_dir) if code_dir else DEFAULT_CODE_DIR,
            snap_start=_flag(get(naming.CONTEXT_SNAP_START)),
            xray_sdk=_flag(get(naming.CONTEXT_XRAY_SDK)),
            domain_name=get(naming.CONTEXT_DOMAIN_NAME),
            certificate_arn=get(naming.CONTEXT_CERTIFICATE_ARN),
            trusted_issuers=tuple(get(naming.CONTEXT_TRUSTED_ISSUERS) or ()),
            oidc_providers=tuple(get(naming.CONTEXT_OIDC_PROVIDERS) or ()),
        )


def _origins(value: str | Sequence[str]) -> tuple[str, ...]:
    """`-c` passes strings ("a,b"); cdk.json may hold a list."""
    items = value.split(",") if isinstance(value, str) else value
    origins = tuple(str(item).strip() for item in items if str(item).strip())
    if not origins:
        raise ValueError(f"{naming.CONTEXT_CORS_ORIGINS} names no origin")
    return origins


def _flag(value: object) -> bool:
    """`-c key=true` passes a string; cdk.json may hold a boolean."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"expected true or false, got {value!r}")
    return text in ("true", "1", "yes")
