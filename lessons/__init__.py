"""The learner's side of the course: one Django app per lesson.

Learner files may be served from another folder (a target: the reference solutions or a
student's submission) when COURSE_TARGET is set; see course/targets.py.
"""

from course.targets import install_from_environment

install_from_environment()
