#!/usr/bin/env python3
"""A test-only HTTP proxy on 127.0.0.1 that forwards to an S3 server and injects faults.

For a chosen fraction of requests it answers 500 InternalError or 503 SlowDown, resets the
connection, or stalls (holds the connection silent, then drops it). Everything else is
forwarded unchanged, Host header included, so SigV4 signatures stay valid. It never listens on
anything but 127.0.0.1, and it exits by itself after --lifetime seconds.

    fault_proxy.py --upstream http://127.0.0.1:7480 --rate 0.1 --port-file /tmp/port

With --tls-cert and --tls-key it serves HTTPS (TLS ends at the proxy; the gateway behind it
stays plain HTTP). With --delay every forwarded request waits first, like a slow network (with --delay-match only
the requests that match), counted as "delayed"; a request whose client has gone away by then is
dropped, as it would never have reached the server. With
--answer-delay the server's answer waits before it is relayed: the request has acted, and the
client does not know yet (where a crash leaves the most to clean up). The fault "lost" (only
when named in --faults) forwards the request and then resets the connection instead of
answering: the request acted, and the client saw a failure. The fault "expired" (also only when
named) answers 400 ExpiredToken, as AWS does for temporary credentials past their expiry.
--fault-limit N stops injecting after N faults. The stats file
counts "in_flight": requests forwarded whose answer has not come back yet, so a test can wait
until nothing it started can still change the bucket.

Standard library only (Debian's python3, which awscli brings along).
"""
import argparse
import http.client
import json
import random
import re
import select
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse

FAULTS = ("500", "503", "reset", "stall")
# Faults that only --faults turns on.
OPTIONAL_FAULTS = ("lost", "expired")

ERROR_BODY = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
    "expired": (400, "ExpiredToken", "The provided token has expired."),
}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"forwarded": 0, "dropped": 0, "in_flight": 0, "delayed": 0,
                       **{f: 0 for f in FAULTS + OPTIONAL_FAULTS}}

    def add(self, what, count=1):
        with self.lock:
            self.counts[what] += count


def client_gone(connection):
    """True when the client closed its connection (a readable socket with nothing to read)."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def read_request(stream):
    """Returns (request line, header list, body) or None at end of connection."""
    line = stream.readline(65536)
    if not line or line in (b"\r\n", b"\n"):
        return None
    headers = []
    while True:
        header = stream.readline(65536)
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
    body = stream.read(length) if length else b""
    return line.decode("latin-1").rstrip("\r\n"), headers, body


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        config = self.server.config
        while True:
            try:
                request = read_request(self.rfile)
            except (ConnectionError, OSError):
                return
            if request is None:
                return
            method, target, _ = request[0].split(" ", 2)
            fault = None
            matches = config.match is None or re.search(config.match, f"{method} {target}")
            with self.server.random_lock:
                if (matches and self.server.faults_left != 0 and
                        self.server.random.random() < config.rate):
                    fault = self.server.random.choice(config.faults)
                    self.server.faults_left -= 1
            if fault:
                self.server.stats.add(fault)
            if fault and fault != "lost":
                if fault in ERROR_BODY:
                    status, code, message = ERROR_BODY[fault]
                    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                            f"<Message>{message}</Message></Error>").encode()
                    self.send(status, code, [("Content-Type", "application/xml")], body)
                    continue
                if fault == "stall":
                    time.sleep(config.stall_seconds)
                self.reset()
                return
            if config.delay > 0 and (config.delay_match is None or
                                     re.search(config.delay_match, f"{method} {target}")):
                self.server.stats.add("delayed")
                time.sleep(config.delay)
                if client_gone(self.connection):
                    self.server.stats.add("dropped")
                    return
            self.server.stats.add("forwarded")
            self.server.stats.add("in_flight")
            upstream = http.client.HTTPConnection(config.host, config.port, timeout=120)
            try:
                upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in request[1]:
                    upstream.putheader(name, value)
                upstream.endheaders(request[2])
                response = upstream.getresponse()
                body = response.read()
                # A HEAD answer has no body but the Content-Length of the object: keep it.
                dropped = ("transfer-encoding", "connection") if method == "HEAD" else (
                    "transfer-encoding", "content-length", "connection")
                headers = [(n, v) for n, v in response.getheaders() if n.lower() not in dropped]
            finally:
                upstream.close()
                self.server.stats.add("in_flight", -1)
            if fault == "lost":
                self.reset()
                return
            if config.answer_delay > 0:
                time.sleep(config.answer_delay)
            try:
                self.send(response.status, response.reason, headers, body,
                          length=method != "HEAD")
            except OSError:
                return  # the client went away while the server answered

    def reset(self):
        # SO_LINGER with a zero timeout makes close() send RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def send(self, status, reason, headers, body, length=True):
        head = [f"HTTP/1.1 {status} {reason}"] + [f"{n}: {v}" for n, v in headers]
        if length:
            head.append(f"Content-Length: {len(body)}")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:7480")
    parser.add_argument("--rate", type=float, default=0.1, help="fraction of requests to fail")
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated subset")
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before forwarding")
    parser.add_argument("--delay-match",
                        help="only requests whose 'METHOD target' matches this regex wait --delay")
    parser.add_argument("--answer-delay", type=float, default=0.0,
                        help="seconds between the server's answer and relaying it")
    parser.add_argument("--match", help="only requests whose 'METHOD target' matches this regex")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the private key of --tls-cert (PEM)")
    parser.add_argument("--fault-limit", type=int, default=-1,
                        help="inject at most this many faults (default: no limit)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port-file", required=True, help="where to write the port chosen")
    parser.add_argument("--stats-file", help="JSON counts written on exit")
    parser.add_argument("--lifetime", type=float, default=1800, help="exit after this long")
    config = parser.parse_args()
    config.faults = [f for f in config.faults.split(",") if f]
    unknown = [f for f in config.faults if f not in FAULTS + OPTIONAL_FAULTS]
    if unknown:
        sys.exit(f"fault_proxy: unknown fault {unknown[0]}; known: {', '.join(FAULTS + OPTIONAL_FAULTS)}")
    upstream = urllib.parse.urlsplit(config.upstream)
    config.host, config.port = upstream.hostname, upstream.port or 80
    if config.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("fault_proxy: the upstream must be on this machine")

    server = Server(("127.0.0.1", 0), Handler)
    if config.tls_cert:
        # TLS in front of the plain-HTTP gateway, as a load balancer would put it. A client
        # that refuses the certificate fails the handshake in accept(), which socketserver
        # treats as one failed request.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(config.tls_cert, config.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.config = config
    server.stats = Stats()
    server.random = random.Random(config.seed)
    server.random_lock = threading.Lock()
    server.faults_left = config.fault_limit
    with open(config.port_file, "w") as port_file:
        port_file.write(str(server.server_address[1]))

    def write_stats():
        if config.stats_file:
            with server.stats.lock, open(config.stats_file, "w") as stats_file:
                json.dump(server.stats.counts, stats_file)

    def stats_loop():
        deadline = time.monotonic() + config.lifetime
        while time.monotonic() < deadline:
            write_stats()
            time.sleep(0.5)
        server.shutdown()

    def on_terminate(signum, frame):
        write_stats()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_terminate)
    threading.Thread(target=stats_loop, daemon=True).start()
    try:
        server.serve_forever()
    finally:
        write_stats()


if __name__ == "__main__":
    main()
