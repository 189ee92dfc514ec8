"""The URLconf of a run of course/mutation.py: the playground's, mounting only the lessons it grades.

The playground's URLconf mounts every lesson, and mounting a lesson imports its learner files
from the target: in a run of lesson 14's tests, fifteen other lessons' code that none of its
tests can ask for, imported (and, the learner's files, compiled) again in every forked run.
Here the playground's own pages keep their paths and names, and each lesson graded by mutation
(lesson 14) is mounted exactly as the playground mounts it: its text, API, schema and docs.
"""

from course.manifest import all_lessons
from playground_project.routes import common_patterns, lesson_patterns

urlpatterns = common_patterns()
for lesson in all_lessons():
    if lesson.tested_module is not None:
        urlpatterns += lesson_patterns(lesson)
