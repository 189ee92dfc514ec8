"""Lesson 01: REST and function views with @api_view."""
