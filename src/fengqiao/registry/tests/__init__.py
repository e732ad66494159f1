"""Tests for the registry app."""
