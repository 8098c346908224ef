"""Background work runs at a lower CPU priority than the web workers (setting `JOB_NICE`).

Niceness is absolute here: `lower_priority(10)` leaves a process at 10 whether it started at 0
or was already niced to 10 by its parent (children inherit niceness; `os.nice` would add up).
It only ever lowers priority; raising it needs privileges a worker should not have. No Flask
import: the PDF renderer processes call this from their pool initializer.
"""

import os

#: The lowest priority Linux knows.
MAX_NICE = 19


def current() -> int:
    """This process's niceness (of its calling thread on Linux: call it in the main thread)."""
    return os.getpriority(os.PRIO_PROCESS, 0)


def lower_priority(level: int) -> int:
    """Run at niceness `level` unless already lower; 0 (or less) leaves the process alone.

    Returns the niceness afterwards. Call it before starting threads or child processes:
    they inherit it.
    """
    level = min(int(level or 0), MAX_NICE)
    if level > 0 and current() < level:
        os.setpriority(os.PRIO_PROCESS, 0, level)
    return current()
