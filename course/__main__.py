"""Run the course's command line: `python -m course <verb>`."""

from course.cli import main

raise SystemExit(main())
