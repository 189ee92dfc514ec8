"""The shared domain: students, courses, enrolments and their owners, used by every lesson."""
