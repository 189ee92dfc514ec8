"""Lesson 08: authentication with Basic, Session and Token."""
