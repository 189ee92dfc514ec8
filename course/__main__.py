"""Run the course's command line: `python -m course <verb>`."""

import sys

# Cache bytecode even where PYTHONDONTWRITEBYTECODE is set: without it every check recompiles
# the course, pytest's rewritten plugins and the tests (about a second on a small machine).
# Learner files are never cached: course.targets compiles them in memory.
sys.dont_write_bytecode = False

from course.cli import main  # noqa: E402

raise SystemExit(main())
