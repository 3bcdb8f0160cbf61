"""Fixtures of the webhook tests: a receiving HTTP server on loopback, and a resolver that answers
from a table, so that no test asks a real DNS server about a name."""

import ipaddress
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# The names the webhook tests subscribe without saying what they resolve to: an address on the
# internet at large, which no test connects to (the guard below would stop it).
PUBLIC_ADDRESS = "93.184.215.14"
PUBLIC_NAMES = ["example.com", "crm.example.com", "erp.example.com", "a.example", "x.example"]


class OutsideLoopback(Exception):  # noqa: N818 - read as "connected outside loopback"
    """A test tried to connect beyond loopback. Not an OSError, so no code under test mistakes
    it for a failed connection and carries on."""


class FakeDns:
    """Stands in for socket.getaddrinfo. An address (127.0.0.1, ::1) is read by the C library
    with AI_NUMERICHOST, which never touches the network; a name is answered from `names` (a
    list of addresses, or a function returning one, e.g. to answer differently the second time);
    any other name does not resolve. `asked` lists the names looked up, in order."""

    def __init__(self, real):
        self._real = real
        self.names = {"localhost": ["127.0.0.1", "::1"]}
        self.names.update({name: [PUBLIC_ADDRESS] for name in PUBLIC_NAMES})
        self.asked = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 - getaddrinfo's own names
        name = host.decode("ascii") if isinstance(host, bytes) else str(host)
        try:
            return self._real(name, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        except socket.gaierror:
            pass
        name = name.lower().removesuffix(".")
        self.asked.append(name)
        answer = self.names.get(name)
        if callable(answer):
            answer = answer()
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        results = []
        for address in answer:
            numeric = self._real(address, port, family, type or socket.SOCK_STREAM, proto,
                                 socket.AI_NUMERICHOST)
            results.extend(numeric)
        return results


@pytest.fixture
def dns(monkeypatch):
    """The fake resolver in place of the real one, and a guard that lets sockets connect to
    loopback only."""
    fake = FakeDns(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    connect = socket.socket.connect

    def connect_to_loopback_only(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                loopback = ipaddress.ip_address(address[0].split("%")[0]).is_loopback
            except ValueError:  # a name: resolved by the C library, past the fake
                loopback = False
            if not loopback:
                raise OutsideLoopback(f"A test connected to {address[0]}.")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect_to_loopback_only)
    return fake


class _Recorder(BaseHTTPRequestHandler):
    """Records each POST and answers with the next queued status (200 when none is left)."""

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"headers": dict(self.headers), "body": body,
                                     "path": self.path})
        code = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        return None


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on loopback (127.0.0.1, or ::1) that counts the connections it
    accepts, so a test can tell that nothing even connected."""

    daemon_threads = True

    def __init__(self, host="127.0.0.1"):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), _Recorder)
        self.received = []
        self.statuses = []
        self.connections = 0
        netloc = f"[{host}]" if ":" in host else host
        self.url = f"http://{netloc}:{self.server_port}/hooks/tandem"

    def server_bind(self):
        # HTTPServer's own looks the address up in reverse (getfqdn): no lookups here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def verify_request(self, request, client_address):
        self.connections += 1
        return True


def serve(server):
    """Run `server` in a thread until the test ends; yields it."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def receiver():
    yield from serve(Receiver())
