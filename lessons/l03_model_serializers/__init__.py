"""Lesson 03: ModelSerializer, nested serializers and N+1-free querysets."""
