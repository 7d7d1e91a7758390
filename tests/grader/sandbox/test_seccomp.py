"""The seccomp filter denies what reaches outside a job and leaves ordinary computing alone.

Each case runs in a forked child of the test process (our own code, never a submission), which
installs the filter, tries one thing and reports the outcome on a pipe.
"""

import errno
import fcntl
import os
import signal
import socket

import pytest

from grader.sandbox import seccomp


def _under_filter(action) -> str:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            os.setsid()
            seccomp.install(os.getpid())
            action()
            outcome = "allowed"
        except OSError as exc:
            outcome = errno.errorcode.get(exc.errno, str(exc.errno))
        except BaseException as exc:
            outcome = type(exc).__name__
        os.write(write_end, outcome.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    return outcome


def _fork_and_reap() -> None:
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)


def _syscall(number: int, *args: int) -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(number, *args) < 0:
        raise OSError(ctypes.get_errno(), "syscall failed")


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("socket", lambda: socket.socket()),
        ("unix socket", lambda: socket.socket(socket.AF_UNIX)),
        ("exec", lambda: os.execv("/bin/true", ["true"])),
        ("kill another process", lambda: os.kill(1, 0)),
        ("kill every process", lambda: os.kill(-1, 0)),
        ("leave the process group", lambda: os.setsid()),
        ("ptrace", lambda: _syscall(101, 16, os.getppid(), 0, 0)),
        ("new user namespace via clone", lambda: _syscall(56, 0x10000000 | signal.SIGCHLD, 0, 0, 0, 0)),
        ("unshare", lambda: _syscall(272, 0x10000000)),
        ("mount", lambda: _syscall(165, 0, 0, 0, 0, 0)),
        ("bpf", lambda: _syscall(321, 0, 0, 0)),
        ("io_uring", lambda: _syscall(425, 1, 0)),
        ("keyctl", lambda: _syscall(250, 0, 0, 0, 0, 0)),
        ("process_vm_readv", lambda: _syscall(310, 1, 0, 0, 0, 0, 0)),
        # One process per job: its memory and CPU limits are per process, forking would multiply them.
        ("fork", _fork_and_reap),
        ("fork syscall", lambda: _syscall(57)),
        ("vfork syscall", lambda: _syscall(58)),
        ("clone of a process", lambda: _syscall(56, signal.SIGCHLD, 0, 0, 0, 0)),
        # Channels through the host files the read-only root shares with other jobs.
        ("flock", lambda: fcntl.flock(os.open("/dev/null", os.O_RDONLY), fcntl.LOCK_EX | fcntl.LOCK_NB)),
        ("posix lock", lambda: fcntl.lockf(os.open("/dev/null", os.O_RDWR), fcntl.LOCK_EX | fcntl.LOCK_NB)),
        ("inotify", lambda: _syscall(294, 0)),
    ],
)
def test_it_denies(name, action):
    assert _under_filter(action) == "EPERM", name


def test_clone3_reports_enosys_so_libc_falls_back_to_clone():
    assert _under_filter(lambda: _syscall(435, 0, 0)) == "ENOSYS"


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("signal itself", lambda: os.kill(os.getpid(), 0)),
        ("signal its own group", lambda: os.killpg(os.getpid(), 0)),
        ("threads", lambda: __import__("threading").Thread(target=lambda: None).start()),
        (
            "fcntl flags",
            lambda: __import__("fcntl").fcntl(os.open("/dev/null", os.O_RDONLY), __import__("fcntl").F_GETFL),
        ),
        ("numpy linear algebra", lambda: __import__("numpy").linalg.inv(__import__("numpy").eye(3))),
        ("files", lambda: open("/dev/null").read()),  # noqa: SIM115
    ],
)
def test_it_allows(name, action):
    assert _under_filter(action) == "allowed", name
