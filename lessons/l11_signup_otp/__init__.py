"""Lesson 11: signup with an emailed one-time code."""
