"""Conditional requests, caching and versioning."""
