"""Docket's shared package: domain services and the platform core, shipped as a Lambda layer."""

from docket.process import register_snapstart_hooks

# Every function imports this package first: in a SnapStart process its hooks are registered here
# (docket/process.py); anywhere else this does nothing.
register_snapstart_hooks()
