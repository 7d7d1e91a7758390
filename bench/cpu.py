"""CPU time of process trees, read from ``/proc``: what a set of services has spent, children included.

A process's ``utime + stime`` is what it ran itself; ``cutime + cstime`` is what its children (and theirs)
ran before it reaped them. Summing both over a tree at two moments therefore counts every process that
lived in between, however short: a sandboxed child forked and reaped by a zygote shows up in the zygote's
``cutime``, a PostgreSQL backend that ended in the postmaster's. A process alive at the first reading and
reaped by the second moves from its own figures to its parent's, so the difference stays right.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class _Stat:
    pid: int
    comm: str
    ppid: int
    ticks: int  # utime + stime + cutime + cstime


def _read_all() -> dict[int, _Stat]:
    stats: dict[int, _Stat] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as file:
                raw = file.read().decode(errors="replace")
        except OSError:
            continue  # ended while we read
        # The command name sits in parentheses and may hold spaces or parentheses itself.
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # fields[0] is field 3 (state) of proc(5): ppid is field 4, utime..cstime are fields 14..17.
        stats[int(name)] = _Stat(int(name), comm, int(fields[1]), sum(int(value) for value in fields[11:15]))
    return stats


def _descendants(stats: dict[int, _Stat], roots: Iterable[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found, pending = set(), [pid for pid in roots if pid in stats]
    while pending:
        pid = pending.pop()
        if pid not in found:
            found.add(pid)
            pending.extend(children.get(pid, []))
    return found


def roots_named(comm: str) -> list[int]:
    """Processes called ``comm`` whose parent is not: e.g. the postmaster of every PostgreSQL cluster."""
    stats = _read_all()
    return [s.pid for s in stats.values() if s.comm == comm and (s.ppid not in stats or stats[s.ppid].comm != comm)]


def tree_seconds(groups: dict[str, Iterable[int]]) -> dict[str, float]:
    """CPU seconds spent so far by each group of process trees (each root with all its descendants)."""
    stats = _read_all()
    return {
        name: sum(stats[pid].ticks for pid in _descendants(stats, roots)) / _TICKS for name, roots in groups.items()
    }


def depth_seconds(roots: Iterable[int], names: list[str]) -> dict[str, float]:
    """CPU seconds spent so far by the processes of some trees, by depth below their roots: ``names[0]`` for the
    roots themselves, ``names[1]`` for their children, and the last name for every level from there down."""
    stats = _read_all()
    spent = dict.fromkeys(names, 0.0)
    level = [pid for pid in roots if pid in stats]
    depth = 0
    while level:
        spent[names[min(depth, len(names) - 1)]] += sum(stats[pid].ticks for pid in level) / _TICKS
        level = [stat.pid for stat in stats.values() if stat.ppid in set(level)]
        depth += 1
    return spent


def postgres_roles_seconds() -> dict[str, float]:
    """CPU seconds spent so far by the local PostgreSQL's processes, by role (read from their titles): the
    backends serving clients, autovacuum, the WAL writer, the checkpointer, the rest; and what processes already
    reaped by the postmaster spent (backends that disconnected, autovacuum workers that finished)."""
    stats = _read_all()
    spent: dict[str, float] = {}
    for pid in _descendants(stats, roots_named("postgres")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as file:
                title = file.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat", "rb") as file:
                fields = file.read().decode(errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we read: its time moves to the postmaster's reaped children
        own, reaped = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
        role = _postgres_role(title)
        spent[role] = spent.get(role, 0.0) + own / _TICKS
        spent[_REAPED] = spent.get(_REAPED, 0.0) + reaped / _TICKS
    return spent


_REAPED = "processes that ended (backends, autovacuum workers)"


def _postgres_role(title: str) -> str:
    for role in ("autovacuum", "walwriter", "checkpointer", "background writer"):
        if role in title:
            return role
    # A backend's title: "postgres: [cluster: ]user database host(port) state".
    if "(" in title and ")" in title.rsplit("(", 1)[1]:
        return "backends (client connections)"
    return "postmaster and other"


def difference(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """``after - before`` for every group."""
    return {name: after[name] - before[name] for name in after}
