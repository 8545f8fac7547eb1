"""A firm's tasks and credit disputes (seed 004), with their bulk operations."""
