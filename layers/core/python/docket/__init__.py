"""Docket's shared package: domain services and the platform core, shipped as a Lambda layer."""
