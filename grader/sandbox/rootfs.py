"""The filesystem a learner process sees: a minimal root with nothing of the host but the runtime.

The zygote builds it once, in a mount namespace of its own, and moves into it with ``pivot_root``:
the interpreter and its standard library, the virtualenv's site-packages and the system's shared
libraries, all read-only; a ``/dev`` with the harmless character devices; empty mount points for
``/tmp`` and ``/dev/shm``. Nothing else of the host exists there: no project checkout, no home
folder, no ``/var/tmp``, no ``/proc`` or ``/sys``. Each job then takes a private copy of that
namespace and mounts its own size-capped tmpfs on ``/tmp`` (its working directory, the only writable
place) and on ``/dev/shm``, so nothing a job writes outlives it or reaches another job.
"""

from __future__ import annotations

import os
import sys

from grader.sandbox import linux

# Character devices a numeric program may open; everything else under /dev stays outside.
_DEVICES = ("null", "zero", "full", "random", "urandom")
# Shared libraries the interpreter, NumPy and PyTorch load (on merged-/usr systems /lib* are links).
_SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/lib32", "/usr/lib32")
# The dynamic loader's cache: without it a library loaded by name is searched for in slow ways.
_SYSTEM_FILES = ("/etc/ld.so.cache",)
_READ_ONLY = linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV
# Where the new root is assembled (in the zygote's own mount namespace, so the host never sees it): the
# first of these folders that holds nothing the new root must carry.
_STAGING_CANDIDATES = ("/mnt", "/media", "/srv", "/tmp", "/var/tmp", "/dev/shm")
_OLD_ROOT = ".old-root"


def runtime_roots() -> list[str]:
    """The interpreter's and the virtualenv's folders: the learner process must still read them."""
    return sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)})


def enter_minimal_root() -> None:
    """Move the calling process (the zygote) into a new mount namespace rooted at a minimal tree.

    Needs CAP_SYS_ADMIN (root, or the owner of a user namespace). The staging tmpfs is mounted over
    ``/tmp`` of the new namespace only, so the host never sees it.
    """
    carried = [*runtime_roots(), *_SYSTEM_LIBRARIES, *_SYSTEM_FILES]
    staging = _staging_folder([os.path.realpath(path) for path in carried] + ["/dev"])
    linux.unshare(linux.CLONE_NEWNS)
    # Private propagation: nothing mounted here is seen by the host, and nothing of the host's arrives.
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    linux.mount("tmpfs", staging, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "size=1m,mode=755")
    for path in carried:
        _carry(path, staging)
    for name in ("tmp", "dev", "dev/shm", _OLD_ROOT):
        os.makedirs(f"{staging}/{name}", exist_ok=True)
    for device in _DEVICES:
        _bind(f"/dev/{device}", f"{staging}/dev/{device}", read_only=False)
    os.chdir(staging)
    linux.pivot_root(".", _OLD_ROOT)
    os.chdir("/")
    linux.umount(f"/{_OLD_ROOT}")
    os.rmdir(f"/{_OLD_ROOT}")
    # The root itself becomes read-only: jobs can only write to the tmpfs mounted for them.
    linux.mount(None, "/", None, linux.MS_REMOUNT | linux.MS_BIND | _READ_ONLY)


def _staging_folder(carried: list[str]) -> str:
    for candidate in _STAGING_CANDIDATES:
        inside = [path for path in carried if path == candidate or path.startswith(candidate + "/")]
        if os.path.isdir(candidate) and not os.path.islink(candidate) and not inside:
            return candidate
    raise OSError(f"no folder to assemble the sandbox's root in: each of {_STAGING_CANDIDATES} holds the runtime")


def _carry(path: str, staging: str) -> None:
    """Reproduce ``path`` inside the staging root: a symlink as a symlink, anything else bound read-only."""
    if not os.path.lexists(path):
        return
    target = f"{staging}{path}"
    if os.path.islink(path):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    real = os.path.realpath(path)
    _bind(real, f"{staging}{real}", read_only=True)


def _bind(source: str, target: str, *, read_only: bool) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "a"):
            pass
    linux.mount(source, target, None, linux.MS_BIND | linux.MS_REC)
    flags = _READ_ONLY if read_only else linux.MS_NOSUID
    # A bind mount takes its flags only on a remount.
    linux.mount(None, target, None, linux.MS_REMOUNT | linux.MS_BIND | flags)


def enter_private_scratch(scratch_bytes: int) -> None:
    """In a job's child: a copy of the zygote's namespace with a fresh tmpfs on /tmp and /dev/shm, an
    IPC namespace of its own (System V and POSIX message queues die with the job) and a UTS namespace
    (the host's name is not the job's business)."""
    linux.unshare(linux.CLONE_NEWNS | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS)
    linux.sethostname("sandbox")
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    for place in ("/tmp", "/dev/shm"):
        # A runtime that lives below the scratch folder (a virtualenv in /tmp) is carried over the new mount.
        below = [root for root in runtime_roots() if root.startswith(place + "/")]
        trees = [(root, linux.clone_mount_tree(root)) for root in below]
        linux.mount("tmpfs", place, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, f"size={scratch_bytes},mode=1777")
        for root, tree in trees:
            os.makedirs(root, exist_ok=True)
            linux.attach_mount_tree(tree, root)
            os.close(tree)
