"""Proof on a real network stack: ECS host hardening and the container flow in namespaces."""
