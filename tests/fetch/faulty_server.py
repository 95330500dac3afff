#!/usr/bin/env python3
"""A small HTTP server that misbehaves on purpose, for the downloader's fault tests.

    faulty_server.py PORT ROOT

Serves the files in ROOT under /<mode>/<name>[?fail=N]. Every mode counts its requests per path
(query excluded); the first N requests (N from ?fail=, default 1) misbehave and later ones are
served normally, with byte ranges. Modes:

    ok        always normal (ranges supported)
    reset     sends the headers and half of the body, then resets the connection
    short     claims the full Content-Length but sends half of the body and closes cleanly
    error500  answers 500
    throttle  answers 429 with "Retry-After: 1"
    endless   a 200 without Content-Length whose body never ends (every request)
    drip      sends half of the body at once, then 1 KiB every 50 ms (every request)
    norange   ignores Range: always 200 and the whole body (every request)
    badrange  answers a range request with 416 (every request); a plain GET is served

GET /_stats returns JSON: {"/<mode>/<name>": {"requests": n, "ranges": ["", "bytes=10-"],
"bytes": body bytes sent}} so that tests can assert retries and that resumed bytes were not sent
twice. Standard library only; listens on 127.0.0.1.
"""

import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

ROOT = ""
LOCK = threading.Lock()
STATS = {}


def record(path, range_header):
    with LOCK:
        entry = STATS.setdefault(path, {"requests": 0, "ranges": [], "bytes": 0})
        entry["requests"] += 1
        entry["ranges"].append(range_header or "")
        return entry["requests"]


def add_bytes(path, count):
    with LOCK:
        STATS[path]["bytes"] += count


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the tests read /_stats
        pass

    def send_body(self, path, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        finally:
            add_bytes(path, len(data))

    def plain(self, status, text, extra=None):
        body = text.encode()
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def serve_normally(self, path, content, honour_range=True):
        range_header = self.headers.get("Range")
        if honour_range and range_header and range_header.startswith("bytes="):
            first, _, last = range_header[6:].partition("-")
            start = int(first)
            end = int(last) if last else len(content) - 1
            if start >= len(content):
                self.plain(416, "range not satisfiable", {"Content-Range": "bytes */%d" % len(content)})
                return
            part = content[start:end + 1]
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, start + len(part) - 1, len(content)))
            self.send_header("Content-Length", str(len(part)))
            self.end_headers()
            self.send_body(path, part)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.send_body(path, content)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/_stats":
            with LOCK:
                self.plain(200, json.dumps(STATS))
            return
        parts = url.path.split("/", 2)
        if len(parts) != 3:
            self.plain(404, "no such mode")
            return
        mode, name = parts[1], parts[2]
        try:
            with open(os.path.join(ROOT, name), "rb") as f:
                content = f.read()
        except OSError:
            self.plain(404, "no such file")
            return
        fail = int(parse_qs(url.query).get("fail", ["1"])[0])
        number = record(url.path, self.headers.get("Range"))
        misbehave = number <= fail
        half = len(content) // 2

        if mode == "reset" and misbehave:
            self.send_response(200)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.send_body(url.path, content[:half])
            # SO_LINGER with a zero timeout: close() sends a RST instead of a FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif mode == "short" and misbehave:
            self.send_response(200)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.send_body(url.path, content[:half])
            self.close_connection = True
        elif mode == "error500" and misbehave:
            self.plain(500, "internal error")
        elif mode == "throttle" and misbehave:
            self.plain(429, "slow down", {"Retry-After": "1"})
        elif mode == "endless":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = content or b"x" * 4096
            try:
                while True:
                    self.send_body(url.path, chunk)
            except OSError:
                pass
        elif mode == "drip":
            range_header = self.headers.get("Range")
            start = int(range_header[6:].partition("-")[0]) if range_header else 0
            rest = content[start:]
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(content) - 1, len(content)))
            self.send_header("Content-Length", str(len(rest)))
            self.end_headers()
            try:
                quick = max(0, half - start)
                self.send_body(url.path, rest[:quick])
                for offset in range(quick, len(rest), 1024):
                    time.sleep(0.05)
                    self.send_body(url.path, rest[offset:offset + 1024])
            except OSError:
                self.close_connection = True
        elif mode == "norange":
            self.serve_normally(url.path, content, honour_range=False)
        elif mode == "badrange" and self.headers.get("Range"):
            self.plain(416, "no ranges here")
        elif mode in ("ok", "reset", "short", "error500", "throttle", "badrange"):
            self.serve_normally(url.path, content)
        else:
            self.plain(404, "no such mode")


def main():
    global ROOT
    port, ROOT = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
