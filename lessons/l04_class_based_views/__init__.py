"""Lesson 04: class-based views with APIView."""
