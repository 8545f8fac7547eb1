"""Clients of a firm and its pipeline (seeds 000 and 004)."""
