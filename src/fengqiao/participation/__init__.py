"""Residents' participation: village affairs notices (村务公开), published to residents."""
