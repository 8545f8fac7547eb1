"""The local emulator of Docket's AWS wiring: `make dev` (`python -m infra.local`)."""
