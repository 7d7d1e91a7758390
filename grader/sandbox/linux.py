"""Thin ctypes wrappers for the Linux calls the sandbox needs and ``os`` does not offer."""

import ctypes
import ctypes.util
import os

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
# noroot, no-setuid-fixup and keep-caps, each with its lock bit: uid 0 never regains capabilities.
SECURE_NOROOT_ALL_LOCKED = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20
_CAPABILITY_VERSION_3 = 0x20080522
# New mount API (Linux 5.2+; these syscall numbers are the same on every architecture).
_SYS_PIVOT_ROOT = 155  # x86-64; the seccomp table is x86-64 only too
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


def sethostname(name: str) -> None:
    """sethostname(2)."""
    _check(_libc.sethostname(name.encode(), ctypes.c_size_t(len(name))), "sethostname")


def umount(target: str) -> None:
    """umount2(2) with MNT_DETACH: the mount goes now, its last user releases it."""
    _check(_libc.umount2(target.encode(), ctypes.c_int(MNT_DETACH)), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    """pivot_root(2): make ``new_root`` this mount namespace's root, the old one at ``put_old``."""
    _check(_libc.syscall(_SYS_PIVOT_ROOT, new_root.encode(), put_old.encode()), "pivot_root")


def setns(fd: int, nstype: int) -> None:
    """setns(2): join the namespace ``fd`` refers to (for PID namespaces: the one children are born in)."""
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


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


_PROT_READ, _PROT_WRITE = 0x1, 0x2
_MAP_SHARED = 0x01
_MAP_FAILED = ctypes.c_void_p(-1).value


def map_shared(fd: int, *, writable: bool) -> ctypes.Array:
    """Map the whole file ``fd`` shared, as a buffer; the descriptor can then be closed.

    (``mmap.mmap`` keeps a duplicate of the descriptor open for as long as the mapping lives.)
    """
    size = os.fstat(fd).st_size
    _libc.mmap.restype = ctypes.c_void_p
    _libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    protection = _PROT_READ | (_PROT_WRITE if writable else 0)
    address = _libc.mmap(None, size, protection, _MAP_SHARED, fd, 0)
    if address in (None, _MAP_FAILED):
        errno = ctypes.get_errno()
        raise OSError(errno, f"mmap: {os.strerror(errno)}")
    return (ctypes.c_char * size).from_address(address)


def enter_user_namespace() -> None:
    """Become root of a new user namespace that maps only the caller's own uid and gid.

    Lets an unprivileged process build the sandbox's namespaces and mounts; those then belong to a
    namespace in which the host's other users do not exist.
    """
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER)
    for name, content in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        with open(f"/proc/self/{name}", "w", encoding="ascii") as handle:
            handle.write(content)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Give up every capability for good: securebits locked, bounding and ambient sets emptied, then
    the effective, permitted and inheritable sets cleared. For a process that stays uid 0 of a user
    namespace (it has no other uid to switch to)."""
    prctl(PR_SET_SECUREBITS, SECURE_NOROOT_ALL_LOCKED)
    capability = 0
    while _libc.prctl(ctypes.c_int(PR_CAPBSET_DROP), ctypes.c_ulong(capability), 0, 0, 0) == 0:
        capability += 1
    _check(_libc.prctl(ctypes.c_int(PR_CAP_AMBIENT), ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0), "ambient")
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


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
