"""The playground's URLs: the index and the mail page, then every lesson under lessons/NN/.

A lesson whose learner code does not import is mounted as an error page naming the file and
line; the index and the other lessons keep working (playground_project/routes.py).
"""

from course.manifest import all_lessons
from playground_project.routes import common_patterns, lesson_patterns

urlpatterns = common_patterns()
for lesson in all_lessons():
    urlpatterns += lesson_patterns(lesson)
