"""Posting a webhook over HTTP(S) to exactly the address that was checked. No Django here.

The host is resolved once, per connection; every address it resolves to must be public (unless private
ones are allowed), and the socket connects to that checked address. Checking a name and letting the
HTTP library resolve it again would let a receiver's DNS answer "public" to the check and "private" to
the connection (DNS rebinding). Redirects are refused and environment proxies ignored for the same reason.

Every delivery also has a total deadline: each blocking read or write waits no longer than the time left,
so a receiver that trickles a byte every few seconds cannot hold a delivery worker for long.
"""

from __future__ import annotations

import http.client
import ipaddress
import math
import socket
import ssl
import time
import urllib.request


class PrivateAddress(OSError):
    """The endpoint resolves to a private, loopback, link-local or otherwise non-public address."""


def is_private_host(host: str) -> bool:
    """Whether any address ``host`` resolves to now is not public (False if it does not resolve)."""
    try:
        return any(not _is_public(info[4][0]) for info in socket.getaddrinfo(host, None))
    except (socket.gaierror, UnicodeError):
        return False


def _is_public(address: str) -> bool:
    return ipaddress.ip_address(address.split("%", 1)[0]).is_global


class _Deadline:
    """Makes every blocking call of a socket wait at most ``per_call`` seconds and never past ``deadline``."""

    deadline: float = math.inf
    per_call: float | None = None

    def _limit(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the delivery's total deadline passed")
        self.settimeout(left if self.per_call is None else min(self.per_call, left))

    def recv(self, *args, **kwargs):
        self._limit()
        return super().recv(*args, **kwargs)

    def recv_into(self, *args, **kwargs):
        self._limit()
        return super().recv_into(*args, **kwargs)

    def send(self, *args, **kwargs):
        self._limit()
        return super().send(*args, **kwargs)

    def sendall(self, *args, **kwargs):
        self._limit()
        return super().sendall(*args, **kwargs)


class _DeadlineSocket(_Deadline, socket.socket):
    pass


class _DeadlineSSLSocket(_Deadline, ssl.SSLSocket):
    pass


def _checked_connection(
    host: str, port: int, timeout: float | None, allow_private: bool, deadline: float
) -> socket.socket:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private and any(not _is_public(info[4][0]) for info in infos):
        raise PrivateAddress(f"refused: {host} resolves to a private, loopback or link-local address")
    family, kind, proto, _, address = infos[0]
    sock = _DeadlineSocket(family, kind, proto)
    sock.deadline, sock.per_call = deadline, timeout
    sock.settimeout(min(timeout or math.inf, max(0.0, deadline - time.monotonic())))
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, allow_private: bool, deadline: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private
        self.deadline = deadline

    def connect(self) -> None:
        self.sock = _checked_connection(self.host, self.port, self.timeout, self.allow_private, self.deadline)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, allow_private: bool, deadline: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private
        self.deadline = deadline

    def connect(self) -> None:
        sock = _checked_connection(self.host, self.port, self.timeout, self.allow_private, self.deadline)
        self._context.sslsocket_class = _DeadlineSSLSocket
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self.sock.deadline, self.sock.per_call = self.deadline, self.timeout


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool, deadline: float) -> None:
        super().__init__()
        self.allow_private = allow_private
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(_HTTPConnection, req, allow_private=self.allow_private, deadline=self.deadline)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool, deadline: float) -> None:
        super().__init__()
        self.allow_private = allow_private
        self.deadline = deadline

    def https_open(self, req):
        return self.do_open(
            _HTTPSConnection, req, context=self._context, allow_private=self.allow_private, deadline=self.deadline
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is a failed delivery: following it would send signed data somewhere not registered.
    def redirect_request(self, *args, **kwargs):
        return None


def opener(*, allow_private: bool, total_seconds: float = math.inf) -> urllib.request.OpenerDirector:
    """A urllib opener that connects only to checked addresses, follows no redirect, uses no proxy, and
    gives up ``total_seconds`` after it is made, however the receiver paces its answer."""
    deadline = time.monotonic() + total_seconds
    return urllib.request.build_opener(
        _NoRedirects,
        urllib.request.ProxyHandler({}),
        _HTTPHandler(allow_private, deadline),
        _HTTPSHandler(allow_private, deadline),
    )
