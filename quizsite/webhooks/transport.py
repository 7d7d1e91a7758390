"""Posting a webhook over HTTP(S) to exactly the address that was checked. No Django here.

The host is resolved once, per connection; every address it resolves to must be public (unless private
ones are allowed), and the socket connects to that checked address. Checking a name and letting the
HTTP library resolve it again would let a receiver's DNS answer "public" to the check and "private" to
the connection (DNS rebinding). Redirects are refused and environment proxies ignored for the same reason.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
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


def _checked_connection(host: str, port: int, timeout: float | None, allow_private: bool) -> socket.socket:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private and any(not _is_public(info[4][0]) for info in infos):
        raise PrivateAddress(f"refused: {host} resolves to a private, loopback or link-local address")
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, allow_private: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    def connect(self) -> None:
        self.sock = _checked_connection(self.host, self.port, self.timeout, self.allow_private)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, allow_private: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    def connect(self) -> None:
        sock = _checked_connection(self.host, self.port, self.timeout, self.allow_private)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def http_open(self, req):
        return self.do_open(_HTTPConnection, req, allow_private=self.allow_private)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context, allow_private=self.allow_private)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is a failed delivery: following it would send signed data somewhere not registered.
    def redirect_request(self, *args, **kwargs):
        return None


def opener(*, allow_private: bool) -> urllib.request.OpenerDirector:
    """A urllib opener that connects only to checked addresses, follows no redirect and uses no proxy."""
    return urllib.request.build_opener(
        _NoRedirects, urllib.request.ProxyHandler({}), _HTTPHandler(allow_private), _HTTPSHandler(allow_private)
    )
