"""The Lambda layers: `docket` (the shared package) and the dependencies (arm64 wheels, no Docker).

Both come from `make layer` (`infra/tools/build_layer.py`) byte-compiled for the runtime's Python,
so a cold start on the read-only `/opt` loads bytecode instead of compiling every module.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.tools.build_layer import CODE_DIR, DEPS_DIR

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64


def built(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise FileNotFoundError(f"{what} missing at {path}: run `make layer` first")
    return path


class Layers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deps_dir: Path | None = None,
        code_dir: Path | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        deps = deps_dir or DEPS_DIR
        built(deps / "python", "dependencies layer")
        self.code_dir = code_dir or CODE_DIR
        self.core = lambda_.LayerVersion(
            self,
            "Core",
            code=lambda_.Code.from_asset(
                str(built(self.code_dir / "core" / "python", "docket layer").parent)
            ),
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

    def function_code(self, name: str) -> lambda_.Code:
        """A function's folder as built (compiled) beside the layers."""
        return lambda_.Code.from_asset(str(built(self.code_dir / "functions" / name, f"function {name}")))

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.dependencies, self.core]
