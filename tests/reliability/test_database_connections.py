"""A worker keeps its database connection from one task to the next, as the web does from one request to the
next: opening one per task cost PostgreSQL about 10 ms of CPU per graded submission."""

import os
from pathlib import Path

import pytest
from django.db import connection

from quizsite.learning.models import Submission
from tests.reliability.helpers import SOLUTION, submit
from tests.reliability.stack import wait_for

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def _process_tree(root: int) -> set[int]:
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue  # ended while we read
            parents[int(name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return tree


def _database_connections_of(root: int) -> set[int]:
    """The local ports of the TCP connections to the database that ``root`` and its descendants hold open."""
    sockets = set()
    for pid in _process_tree(root):
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
            except OSError:
                continue
            if target.startswith("socket:["):
                sockets.add(target[len("socket:[") : -1])
    database_port = int(connection.settings_dict["PORT"] or 5432)
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if state == "01" and int(remote.rsplit(":", 1)[1], 16) == database_port and inode in sockets:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def test_a_worker_keeps_its_database_connection_from_one_grading_to_the_next(stack, token):
    stack.start_worker("a")
    held = []
    for number in range(4):
        submission = submit(stack, token, SOLUTION, f"reuse-{number}")
        wait_for(lambda pk=submission: Submission.objects.get(pk=pk).status == "done", 60, "the grading")
        held.append(_database_connections_of(stack.workers["a"].pid))
    assert held[0], "the worker holds a connection between gradings"
    assert all(ports == held[0] for ports in held), held
    assert Submission.objects.filter(verdict="accepted").count() == 4
