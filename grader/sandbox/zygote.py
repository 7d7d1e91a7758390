"""The zygote: a pre-warmed process that forks one single-use child per job.

Started by :mod:`grader.sandbox.supervisor` with an empty environment, before it could inherit any
setting or secret. It imports NumPy and PyTorch once, so a job costs a fork instead of an interpreter
start, and it never holds checks, reference solutions or other learners' code: it only ever sees the
limits, a seed, three pipe ends and a shared-memory arena for each job.

Once warm it moves into an empty network namespace and a minimal root (:mod:`grader.sandbox.rootfs`),
so nothing it forks can see the host's files or reach a network. Every child is born into a PID
namespace of its own, as its PID 1: it cannot see or signal any other process, and whatever it forks
dies with it.

Control messages (``grader.sandbox.control``) are JSON over SOCK_SEQPACKET; pipe ends travel as SCM_RIGHTS.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sys
from dataclasses import dataclass

from grader.sandbox import linux, rootfs
from grader.sandbox.control import JOB_FDS, receive_message, send_message
from grader.sandbox.limits import Limits

_REAP_INTERVAL = 0.1
# Stdlib modules a learner may reasonably import, loaded here so that children never need to read
# the interpreter's directory (which later layers of the sandbox may hide from them).
_PRELOADED_MODULES = (
    "abc", "bisect", "collections", "collections.abc", "copy", "dataclasses", "decimal", "enum",
    "fractions", "functools", "heapq", "itertools", "math", "numbers", "operator", "random", "re",
    "statistics", "string", "typing", "warnings",
)  # fmt: skip


def _warm_up(runtime: str) -> None:
    # Thread pools are sized from these variables at import time; one thread per job is the budget.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    import importlib

    import numpy  # noqa: F401

    if runtime == "torch":
        # PyTorch quadruples the zygote's memory and so the cost of every fork: only where needed.
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    for name in _PRELOADED_MODULES:
        importlib.import_module(name)
    from grader.sandbox import child

    child.prepare()
    # Last, because warming up PyTorch sets variables of its own (e.g. TORCHINDUCTOR_CACHE_DIR).
    os.environ.clear()
    linux.collapse_anonymous_memory()


_PRIVILEGE_HINT = (
    "run the worker as root, with CAP_SYS_ADMIN, or as a user allowed to create user namespaces "
    "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0)"
)


def _lead_own_session() -> None:
    """Lead a session of its own, without a controlling terminal, scheduled as nice as this process is.

    Every job stays in this session (in a process group of its own): where the kernel shares the CPU between
    sessions first (autogroups), the grader's niceness, inherited from the worker, then holds for the learner's
    code too. A job that started a session of its own, as jobs once did, competed with the web at full weight.
    Best effort for the weight: without autogroups the file is absent, and the niceness alone applies.
    """
    os.setsid()
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w", encoding="ascii") as autogroup:
        autogroup.write(str(os.getpriority(os.PRIO_PROCESS, 0)))


def _become_namespace_init() -> None:
    """Continue as PID 1 of a new PID namespace (the parent waits, then exits as the child did).

    Each job's child is then born into a PID namespace nested in this one; re-entering this zygote's own
    namespace before each fork needs CAP_SYS_ADMIN over it, which a rootless zygote has only for a
    namespace its user namespace owns. As its PID 1, the zygote also reaps every orphan.
    """
    linux.unshare(linux.CLONE_NEWPID)
    pid = os.fork()
    if pid:
        for fd in range(3, 1024):
            with contextlib.suppress(OSError):
                os.close(fd)
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)


def _enter_rootless(isolated: bool, uid: int) -> tuple[int, str | None]:
    """Without root, become root of a user namespace of our own; children then keep uid 0 there,
    without capabilities (there is no other uid to give them). Returns the uid children take."""
    if not isolated or os.geteuid() == 0:
        return uid, None
    try:
        linux.enter_user_namespace()
    except OSError as exc:
        return uid, f"cannot create a user namespace as an unprivileged user ({exc}); {_PRIVILEGE_HINT}"
    return -1, None


class _Births:
    """Forks children into fresh PID namespaces (isolated mode) or plainly (unsafe-dev)."""

    def __init__(self, isolated: bool) -> None:
        self.isolated = isolated
        # The zygote's own PID namespace, kept open: re-entering it resets where children are born.
        self.own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC) if isolated else None

    def fork(self) -> int:
        if self.own is not None:
            # unshare(CLONE_NEWPID) works once per namespace the zygote's children are born in;
            # setns back to its own first, and each fork starts a new namespace.
            linux.setns(self.own, linux.CLONE_NEWPID)
            linux.unshare(linux.CLONE_NEWPID)
        return os.fork()


def _isolate(isolated: bool, uid: int, births: _Births) -> str | None:
    """Enter an empty network namespace and the minimal root, then prove a child can be confined.

    Returns why isolation is unavailable, or ``None``.
    """
    if not isolated:
        return None
    try:
        linux.unshare(linux.CLONE_NEWNET)
    except OSError as exc:
        return f"cannot create a network namespace ({exc}); {_PRIVILEGE_HINT}"
    try:
        rootfs.enter_minimal_root()
    except OSError as exc:
        return f"cannot build the sandbox's minimal root ({exc}); {_PRIVILEGE_HINT}"
    return _probe_confinement(uid, births)


def _probe_confinement(uid: int, births: _Births) -> str | None:
    from grader.sandbox import child

    read_end, write_end = os.pipe()
    pid = births.fork()
    if pid == 0:
        os.close(read_end)
        try:
            child.confine(Limits(), uid, isolated=True)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which refuses to grade
            os.write(write_end, f"{type(exc).__name__}: {exc}".encode()[:1000])
            os._exit(1)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reason:
        message = reason.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return f"a sandboxed child cannot be confined here ({message or 'it died'}); {_PRIVILEGE_HINT}"
    return None


def _spawn(control: socket.socket, request: dict, fds: list[int], births: _Births, uid: int) -> tuple[int, int]:
    """Fork a child for the job; return its pid and a pidfd that becomes readable when it exits."""
    from grader.sandbox import child

    pid = births.fork()
    if pid == 0:
        control.close()
        child.run(fds, {**request, "uid": uid}, births.isolated)
        os._exit(72)
    for fd in fds:
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    _announce(control, pid, pidfd)
    return pid, pidfd


def _announce(control: socket.socket, pid: int, pidfd: int) -> None:
    # The supervisor gets a pidfd, not just a pid: the pid is one of this zygote's PID namespace, and a
    # pidfd stays bound to this very process (no pid reuse) when it signals it.
    send_message(control, {"event": "spawned", "pid": pid}, [pidfd])


def _collect_exits(control: socket.socket, jobs: dict[int, int]) -> None:
    """Report every job that has exited and reap any leftover grandchild, without blocking.

    As a subreaper the zygote also inherits what a job forked; those are killed with the job's group
    by the supervisor and reaped here. ``waitid(..., WNOWAIT)`` peeks first, so a job's own exit is
    always collected with ``wait4`` (for its resource usage) and never lost to a generic reap.
    """
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None:
            return
        pid = info.si_pid
        _, status, usage = os.wait4(pid, 0)
        pidfd = jobs.pop(pid, None)
        if pidfd is None:
            continue
        os.close(pidfd)
        send_message(
            control,
            {
                "event": "exited",
                "pid": pid,
                "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
            },
        )


@dataclass
class _Spare:
    """A child already forked and confined, waiting on ``channel`` for a job."""

    pid: int
    channel: socket.socket
    pidfd: int

    def discard(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.channel.close()
        os.close(self.pidfd)


def _fork_spare(control: socket.socket, uid: int, births: _Births) -> _Spare:
    from grader.sandbox import child

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = births.fork()
    if pid == 0:
        control.close()
        ours.close()
        child.wait_as_spare(theirs, uid, births.isolated)
        os._exit(72)
    theirs.close()
    return _Spare(pid, ours, os.pidfd_open(pid))


def _fits(spare: _Spare | None, request: dict) -> bool:
    # The spare's scratch tmpfs was mounted with the default size.
    return spare is not None and request["limits"]["scratch_bytes"] == Limits().scratch_bytes


def _hand_over(control: socket.socket, spare: _Spare, request: dict, fds: list[int]) -> tuple[int, int]:
    job = {"limits": request["limits"], "seed": request["seed"]}
    send_message(spare.channel, job, fds)
    for fd in fds:
        os.close(fd)
    spare.channel.close()
    _announce(control, spare.pid, spare.pidfd)
    return spare.pid, spare.pidfd


def _serve(control: socket.socket, births: _Births, uid: int) -> None:
    """Handle spawn requests and child exits as they come: a job's teardown never delays the next.

    After each job starts, a spare child is forked and confined for the next one, while this job
    runs; a request the spare does not fit (other mounts or scratch size) gets a cold fork.
    """
    jobs: dict[int, int] = {}
    spare: _Spare | None = None
    while True:
        watched = [control, *jobs.values(), *([spare.pidfd] if spare else [])]
        # The timeout also lets it reap, soon after they die, grandchildren it inherited.
        readable, _, _ = select.select(watched, [], [], _REAP_INTERVAL)
        if spare is not None and spare.pidfd in readable:
            spare.discard()  # it died while waiting: make another when needed
            spare = None
        if control in readable:
            request, fds = receive_message(control, max_fds=JOB_FDS)
            if request is None:
                return
            if request.get("op") != "spawn" or len(fds) != JOB_FDS:
                for fd in fds:
                    os.close(fd)
                send_message(control, {"event": "error", "error": "malformed spawn request"})
                continue
            if _fits(spare, request):
                pid, pidfd = _hand_over(control, spare, request, fds)
            else:
                if spare is not None:
                    spare.discard()
                pid, pidfd = _spawn(control, request, fds, births, uid)
            jobs[pid] = pidfd
            spare = _fork_spare(control, uid, births)
        _collect_exits(control, jobs)


def main() -> None:
    """Entry point: ``python -I -c '...' <control fd> <mode> <uid> <runtime>`` (see the supervisor)."""
    control = socket.socket(fileno=int(sys.argv[1]))
    isolated = sys.argv[2] != "unsafe-dev"
    uid = int(sys.argv[3])
    runtime = sys.argv[4]
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)
    _lead_own_session()
    uid, error = _enter_rootless(isolated, uid)
    if isolated and not error:
        try:
            # Before warming up: the parent left waiting stays a small process, and the memory every job
            # is forked from belongs to this process alone (shared with a parent, its huge pages would be
            # split by copy-on-write and each fork would cost more).
            _become_namespace_init()
        except OSError as exc:
            error = f"cannot create a PID namespace ({exc}); {_PRIVILEGE_HINT}"
    _warm_up(runtime)
    births = _Births(isolated and not error)
    error = error or _isolate(isolated, uid, births)
    send_message(control, {"event": "ready", "ready": error is None, "error": error, "isolated": isolated})
    if not error:
        _serve(control, births, uid)
