"""Grading's share of the CPU: a niceness that holds for a thread, and for a session of its own.

The service grades at a niceness above its own (serve.GRADING_NICENESS) so that an upload is answered
before grading goes on. Linux keeps a niceness per thread, inherited by what the thread starts. But
where no cpu cgroup holds a process, Linux shares the CPU first between sessions (the "autogroup"),
whatever the niceness of their processes: a process started in a session of its own (the grading
server, a worker of ``autograde grade``, bubblewrap's ``--new-session`` for a kernel) would weigh as
much as the whole service. ``session_at_own_niceness`` gives the new session the niceness its first
process was started with.
"""

from __future__ import annotations

import os
import threading


def lower_this_threads_priority(niceness: int) -> None:
    """This thread at ``niceness`` at least; the threads and processes it starts inherit it (Linux keeps a
    priority per thread)."""
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, max(niceness, os.getpriority(os.PRIO_PROCESS, tid)))
    except OSError:  # a system without per-thread priorities: grading then simply shares the CPU
        pass


def session_at_own_niceness() -> None:
    """This process's session (its autogroup) weighed as this process's niceness, when that is above 0.

    Self-contained (``os`` and ``time`` only): the sandbox's launcher runs its source before the kernel
    (autograde/sandbox.py). Linux lets an unprivileged process set an autogroup's niceness once every
    0.1 s, whoever asks: EAGAIN is tried again. Without autogroups (no such file, or a cpu cgroup holds
    the process) there is nothing to do. A process may set its group back to 0, no lower: at worst it
    weighs as an ordinary session."""
    import os
    import time

    nice = os.getpriority(os.PRIO_PROCESS, 0)
    if nice <= 0:
        return
    for _ in range(40):
        try:
            group = os.open("/proc/self/autogroup", os.O_WRONLY)
            try:
                os.write(group, str(nice).encode())
            finally:
                os.close(group)
            return
        except BlockingIOError:
            time.sleep(0.01)
        except OSError:
            return
