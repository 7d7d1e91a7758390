"""Thin ctypes wrappers for the Linux calls the sandbox needs and ``os`` does not offer."""

import ctypes
import ctypes.util
import os

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
# New mount API (Linux 5.2+; these syscall numbers are the same on every architecture).
_SYS_OPEN_TREE = 428
_SYS_MOVE_MOUNT = 429
_AT_FDCWD = -100
_OPEN_TREE_CLONE = 1
_AT_RECURSIVE = 0x8000
_MOVE_MOUNT_F_EMPTY_PATH = 0x4


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    """Move the calling process into new namespaces."""
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    """mount(2)."""
    encode = lambda value: value.encode() if value is not None else None  # noqa: E731
    _check(
        _libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
        f"mount {target}",
    )


def prctl(option: int, arg: int) -> None:
    """prctl(2) with one argument."""
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), 0, 0, 0), f"prctl {option}")


def clone_mount_tree(path: str) -> int:
    """A detached copy of the mounts at ``path`` (open_tree(2)), to re-attach elsewhere later."""
    fd = _libc.syscall(_SYS_OPEN_TREE, _AT_FDCWD, path.encode(), _OPEN_TREE_CLONE | _AT_RECURSIVE | os.O_CLOEXEC)
    if fd < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"open_tree {path}: {os.strerror(errno)}")
    return fd


def attach_mount_tree(fd: int, target: str) -> None:
    """Attach a tree from :func:`clone_mount_tree` at ``target`` (move_mount(2))."""
    result = _libc.syscall(_SYS_MOVE_MOUNT, fd, b"", _AT_FDCWD, target.encode(), _MOVE_MOUNT_F_EMPTY_PATH)
    _check(result, f"move_mount {target}")


def libc() -> ctypes.CDLL:
    """The C library, with errno capture."""
    return _libc


_MADV_COLLAPSE = 25
_HUGE_PAGE = 1 << 21


def collapse_anonymous_memory() -> int:
    """Back this process's writable anonymous memory with huge pages (MADV_COLLAPSE, Linux 6.1+).

    Forking copies one page-table entry and one page reference per 4 KiB page; with 2 MiB pages the
    zygote's fork and its children's exit are several times cheaper. Best effort: regions the kernel
    refuses are left as they are. Returns how many regions were collapsed.
    """
    collapsed = 0
    with open("/proc/self/maps", encoding="ascii") as maps:
        for line in maps:
            fields = line.split()
            anonymous = len(fields) == 5 or fields[5] == "[heap]"
            if "w" not in fields[1] or not anonymous:
                continue
            start, end = (int(value, 16) for value in fields[0].split("-"))
            first = (start + _HUGE_PAGE - 1) & ~(_HUGE_PAGE - 1)
            last = end & ~(_HUGE_PAGE - 1)
            if last > first:
                collapsed += _libc.madvise(ctypes.c_void_p(first), ctypes.c_size_t(last - first), _MADV_COLLAPSE) == 0
    return collapsed
