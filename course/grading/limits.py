"""What a test process may use, and the files it leaves in its run folder.

Kept apart from course.grading.child (which imports pytest) so that the grader can set the
limits of a process it starts without importing the test machinery itself.
"""

from __future__ import annotations

try:
    import resource  # POSIX only; imported here so that preexec_fn never imports
except ImportError:  # Windows: no resource limits, the time limits still apply
    resource = None

RESULTS = "results.json"  # the course plugin's records (--course-results)
CHILD = "child.json"  # written by the test process once pytest returns
EVENTS = "events.jsonl"  # audit records and test markers, written as they happen
OUTPUT = "output.log"  # the test process's stdout and stderr
MAX_EVENTS = 200  # audit records kept per submission: a loop of refused opens stays small
MAX_WRITE_BYTES = 64 * 1024 * 1024  # RLIMIT_FSIZE: no file the tests write, the log included


def limit_resources(memory_mb: int, cpu_seconds: float | None = None) -> None:
    """Resource limits for a test process (POSIX); soft and hard alike, so they stay put.

    Called in a child right after fork (the warm parent's children) or as preexec_fn (the
    portable way): it only makes C calls on a module imported beforehand, so it takes no
    Python-level lock that a thread of the parent might hold.
    """
    if resource is None:
        return
    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, MAX_WRITE_BYTES)]
    if memory_mb > 0:
        limits.append((resource.RLIMIT_AS, memory_mb * 1024 * 1024))
    if cpu_seconds:  # a backstop, should the process outlive whoever watches its clock
        limits.append((resource.RLIMIT_CPU, int(cpu_seconds) + 1))
    for kind, value in limits:
        try:
            _soft, hard = resource.getrlimit(kind)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass  # macOS refuses RLIMIT_AS; the time limits still apply
