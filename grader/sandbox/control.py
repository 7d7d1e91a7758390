"""Control messages between the supervisor, the zygote and spare children.

One JSON object per SOCK_SEQPACKET datagram (message boundaries are kept), with file descriptors
passed alongside as SCM_RIGHTS. Only trusted processes (never learner code) speak this.
"""

from __future__ import annotations

import array
import json
import socket

MAX_CONTROL_BYTES = 64 * 1024
# What a job's child receives: request, reply and output pipes, and the arena's two memfds.
JOB_FDS = 5


def send_message(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    """Send one control message, optionally with file descriptors."""
    data = json.dumps(message).encode()
    ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    sock.sendmsg([data], ancillary)


def receive_message(sock: socket.socket, max_fds: int = 0) -> tuple[dict | None, list[int]]:
    """Receive one control message; ``(None, [])`` when the peer has gone."""
    fd_space = socket.CMSG_SPACE(max_fds * array.array("i").itemsize) if max_fds else 0
    try:
        data, ancillary, _flags, _addr = sock.recvmsg(MAX_CONTROL_BYTES, fd_space)
    except ConnectionResetError:
        return None, []
    fds = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    if not data:
        return None, list(fds)
    return json.loads(data), list(fds)
