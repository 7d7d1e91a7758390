"""A seccomp-BPF filter for learner processes, built and installed with ctypes (no libseccomp).

The filter is a denylist with argument checks rather than an allowlist: CPython, NumPy and PyTorch
use a wide and version-dependent set of ordinary syscalls (futex, mmap, sched_*, getrandom...), and
a missing entry in an allowlist would fail a correct submission in an obscure way. What is denied is
what could reach outside the job: sockets, exec, ptrace, namespaces and mounts, other processes'
memory, keyrings, BPF, io_uring, signals to anything but the job itself, leaving the job's process
group, and kernel administration. Denied calls fail with EPERM (``clone3`` with ENOSYS, so that libc
falls back to ``clone``, whose flags the filter can inspect).

Only x86-64 has a syscall table here; on another architecture :func:`install` raises and the
sandbox's self-test refuses to grade (fail closed).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
import struct

from grader.sandbox import linux

AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000

# Classic BPF opcodes.
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
_RET_KILL_PROCESS = 0x80000000
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000

_OFFSET_NR = 0
_OFFSET_ARCH = 4
_OFFSET_ARG0_LOW = 16

_SECCOMP_SET_MODE_FILTER = 1
_SYS_SECCOMP = 317

# CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
_CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

DENIED_X86_64 = {
    # network
    "socket": 41, "socketpair": 53, "connect": 42, "bind": 49, "listen": 50, "accept": 43, "accept4": 288,
    # running other programs, or more processes (a job is one process: its memory and CPU limits are
    # per process, so forking would multiply them; threads stay allowed, see _clone_rule)
    "execve": 59, "execveat": 322, "uselib": 134, "fork": 57, "vfork": 58,
    # channels through the host's files that the read-only root shares with other jobs: locks and watches
    "flock": 73, "inotify_init": 253, "inotify_add_watch": 254, "inotify_init1": 294,
    # other processes
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_send_signal": 424,
    "pidfd_getfd": 438, "tkill": 200, "rt_tgsigqueueinfo": 297,
    # leaving the job's session or process group (the supervisor kills the group)
    "setsid": 112, "setpgid": 109,
    # namespaces and mounts
    "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "mount_setattr": 442, "name_to_handle_at": 303, "open_by_handle_at": 304,
    # kernel facilities that have been privilege-escalation vectors
    "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "perf_event_open": 298, "userfaultfd": 323,
    "personality": 135, "fanotify_init": 300, "lookup_dcookie": 212,
    # administration
    "kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
    "reboot": 169, "swapon": 167, "swapoff": 168, "mknod": 133, "mknodat": 259, "acct": 163,
    "settimeofday": 164, "clock_settime": 227, "adjtimex": 159, "syslog": 103, "vhangup": 153, "iopl": 172,
    "ioperm": 173, "quotactl": 179,
}  # fmt: skip
_CLONE, _CLONE3, _FCNTL = 56, 435, 72
_CLONE_THREAD = 0x00010000
# fcntl commands that take, test or lease a lock on a (shared, read-only) host file.
_FCNTL_LOCKS = (5, 6, 7, 36, 37, 38, 1024)  # F_GETLK F_SETLK F_SETLKW F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW F_SETLEASE
_KILL, _TGKILL, _RT_SIGQUEUEINFO = 62, 234, 129


class SeccompUnavailable(OSError):
    """The filter cannot be built or installed here."""


def _statement(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _errno(number: int) -> int:
    return _RET_ERRNO | number


def prepare(own_pid: int = 1) -> None:
    """Build the filter now (in the zygote), once, for children whose pid will be ``own_pid``: an isolated job
    is PID 1 of a PID namespace of its own. A child then only installs it (building it there, with the ctypes
    structure's class, cost about half a millisecond of each job's CPU)."""
    _installable(own_pid)


def build_filter(own_pid: int) -> bytes:
    """The filter program for a learner process whose pid (and process group) is ``own_pid``."""
    program = [_static_rules()]
    program += _signal_rule(_KILL, own_pid, allow_group=True)
    program += _signal_rule(_RT_SIGQUEUEINFO, own_pid, allow_group=True)
    program += _signal_rule(_TGKILL, own_pid, allow_group=False)
    program.append(_statement(_RET_K, _RET_ALLOW))
    return b"".join(program)


@functools.cache
def _static_rules() -> bytes:
    if platform.machine() != "x86_64":
        raise SeccompUnavailable(errno.ENOSYS, f"no seccomp syscall table for {platform.machine()}")
    program = [
        _statement(_LD_W_ABS, _OFFSET_ARCH),
        _statement(_JEQ_K, AUDIT_ARCH_X86_64, jt=1),
        _statement(_RET_K, _RET_KILL_PROCESS),
        _statement(_LD_W_ABS, _OFFSET_NR),
        # The x32 ABI reuses x86-64 numbers with a high bit set: refuse it outright.
        _statement(_JGE_K, _X32_SYSCALL_BIT, jf=1),
        _statement(_RET_K, _RET_KILL_PROCESS),
    ]
    for number in sorted(DENIED_X86_64.values()):
        program += [_statement(_JEQ_K, number, jf=1), _statement(_RET_K, _errno(errno.EPERM))]
    program += [_statement(_JEQ_K, _CLONE3, jf=1), _statement(_RET_K, _errno(errno.ENOSYS))]
    program += _clone_rule()
    program += _fcntl_rule()
    return b"".join(program)


def _clone_rule() -> list[bytes]:
    # nr is in the accumulator. If clone: load its flags; refuse any namespace flag, and anything but a
    # thread (a new process would get limits of its own).
    return [
        _statement(_JEQ_K, _CLONE, jf=5),
        _statement(_LD_W_ABS, _OFFSET_ARG0_LOW),
        _statement(_JSET_K, _CLONE_NAMESPACE_FLAGS, jt=1),
        _statement(_JSET_K, _CLONE_THREAD, jt=1),
        _statement(_RET_K, _errno(errno.EPERM)),
        _statement(_RET_K, _RET_ALLOW),
    ]


def _fcntl_rule() -> list[bytes]:
    # nr is in the accumulator. If fcntl: refuse the lock and lease commands, allow the rest. The
    # accumulator is reloaded with nr afterwards for the rules that follow.
    checks = [_statement(_JEQ_K, command, jt=len(_FCNTL_LOCKS) - index) for index, command in enumerate(_FCNTL_LOCKS)]
    return [
        _statement(_JEQ_K, _FCNTL, jf=len(checks) + 3),
        _statement(_LD_W_ABS, _OFFSET_ARG0_LOW + 8),
        *checks,
        _statement(_RET_K, _RET_ALLOW),
        _statement(_RET_K, _errno(errno.EPERM)),
    ]


def _signal_rule(number: int, own_pid: int, *, allow_group: bool) -> list[bytes]:
    """Signals only to this process (or, for kill, its own group: pid 0 or -pid)."""
    targets = [own_pid] + ([0, -own_pid] if allow_group else [])
    checks = []
    for index, target in enumerate(targets):
        remaining = len(targets) - index - 1
        # Match: jump over the remaining checks and the EPERM return, to ALLOW.
        checks.append(_statement(_JEQ_K, target, jt=remaining + 1))
    return [
        _statement(_JEQ_K, number, jf=len(checks) + 3),
        _statement(_LD_W_ABS, _OFFSET_ARG0_LOW),
        *checks,
        _statement(_RET_K, _errno(errno.EPERM)),
        _statement(_RET_K, _RET_ALLOW),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


@functools.lru_cache(maxsize=4)
def _installable(own_pid: int) -> tuple[ctypes.Array, _SockFprog]:
    """The filter for ``own_pid`` as the kernel takes it; the buffer is returned too, to keep it alive."""
    program = build_filter(own_pid)
    buffer = ctypes.create_string_buffer(program, len(program))
    return buffer, _SockFprog(len(program) // 8, ctypes.addressof(buffer))


def install(own_pid: int) -> None:
    """Install the filter on the calling thread (``no_new_privs`` is set first, as the kernel requires)."""
    _, fprog = _installable(own_pid)
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    result = linux.libc().syscall(_SYS_SECCOMP, _SECCOMP_SET_MODE_FILTER, 0, ctypes.byref(fprog))
    if result != 0:
        number = ctypes.get_errno()
        raise SeccompUnavailable(number, f"seccomp: {os.strerror(number)}")
