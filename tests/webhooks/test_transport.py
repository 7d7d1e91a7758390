"""Webhooks connect only to the address they checked: private ones are refused (unless allowed), each
connection resolves the name once, redirects are not followed."""

import socket
import urllib.error
import urllib.request

import pytest

from quizsite.webhooks import transport
from tests.webhook_receiver import WebhookReceiver


def _post(url: str, allow_private: bool) -> int:
    request = urllib.request.Request(url, data=b"{}", method="POST")
    with transport.opener(allow_private=allow_private).open(request, timeout=5) as response:
        return response.status


def test_a_private_address_is_refused_before_connecting():
    with WebhookReceiver() as receiver:
        with pytest.raises(urllib.error.URLError) as refused:
            _post(receiver.url, allow_private=False)
        assert isinstance(refused.value.reason, transport.PrivateAddress)
    assert receiver.requests == []


def test_a_private_address_is_reached_when_allowed():
    with WebhookReceiver() as receiver:
        receiver.secret = "whsec_" + "A" * 32
        with pytest.raises(urllib.error.HTTPError) as answered:
            _post(receiver.url, allow_private=True)
        assert answered.value.code == 401  # reached; the receiver refuses the unsigned body
    assert len(receiver.requests) == 1


def test_the_name_is_resolved_once_and_the_checked_address_is_used(monkeypatch):
    # A rebinding DNS server answers the check with a public address and the connection with a private
    # one; resolving once per connection leaves it nothing to switch.
    answers = iter(["93.184.215.14", "127.0.0.1"])
    calls = []

    def resolve(host, port, *args, **kwargs):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    connected = []
    monkeypatch.setattr(transport.socket, "getaddrinfo", resolve)
    monkeypatch.setattr(transport.socket.socket, "connect", lambda sock, address: connected.append(address))
    with pytest.raises(urllib.error.URLError):
        _post("http://rebind.example/hook", allow_private=False)  # no server answers on the fake socket
    assert calls == ["rebind.example"] and connected == [("93.184.215.14", 80)]


def test_is_private_host_flags_loopback_and_metadata_addresses():
    assert transport.is_private_host("127.0.0.1") and transport.is_private_host("169.254.169.254")
    assert not transport.is_private_host("93.184.215.14")


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_total_deadline():
    # One byte every 0.3 s keeps each read under the 2 s per-read timeout; the total deadline still ends it.
    import threading
    import time

    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                if stop.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.3)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    started = time.monotonic()
    try:
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            request = urllib.request.Request(url, data=b"{}", method="POST")
            transport.opener(allow_private=True, total_seconds=1.5).open(request, timeout=2)
        assert time.monotonic() - started < 3
    finally:
        stop.set()
        server.close()
