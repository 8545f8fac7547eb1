"""The Lambda layers: `docket` (the shared package) and the dependencies (arm64 wheels, no Docker)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.tools.build_layer import DEPS_DIR, LAYER_SOURCE

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64


class Layers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, deps_dir: Path | None = None) -> None:
        super().__init__(scope, construct_id)
        deps = deps_dir or DEPS_DIR
        if not (deps / "python").is_dir():
            raise FileNotFoundError(f"dependencies layer missing at {deps}: run `make layer` first")
        self.core = lambda_.LayerVersion(
            self,
            "Core",
            code=lambda_.Code.from_asset(str(LAYER_SOURCE), exclude=["**/__pycache__", "**/*.pyc"]),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="docket: domain and platform core",
        )
        self.dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=lambda_.Code.from_asset(str(deps)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Runtime dependencies from uv.lock (manylinux_2_34 aarch64, cp312)",
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.dependencies, self.core]
