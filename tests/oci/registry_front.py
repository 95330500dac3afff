#!/usr/bin/env python3
"""A loopback HTTP front placed before docker-registry by the oci tests (test fixture, not a
registry: it stores nothing and forwards every /v2/ request to the real registry behind it).

    registry_front.py --port P --upstream 127.0.0.1:U --mode token [--user U --password W]
    registry_front.py --port P --upstream 127.0.0.1:U --mode tamper --tamper SUBSTRING

token   a token-endpoint front for the Bearer flow. /v2/... without a token it issued answers
        401 with  WWW-Authenticate: Bearer realm="http://127.0.0.1:P/token",
        service="bundle-test front, loopback",scope="repository:<name>:pull,push"  (quoted
        values holding commas and spaces on purpose). GET /token?service=..&scope=.. issues a
        random token, after checking Basic credentials when --user is given; the service and
        scope it received are checked too.
tamper  forwards everything, but alters the body of a GET whose path contains SUBSTRING: a
        newline appended to a manifest, the last byte flipped in a blob (same length). The
        registry's Docker-Content-Digest header is passed on unchanged.
"""
import argparse
import base64
import http.server
import json
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

SERVICE = "bundle-test front, loopback"
PASSED_HEADERS = ("content-type", "docker-content-digest", "docker-distribution-api-version", "www-authenticate")


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    tokens = set()

    def log_message(self, fmt, *values):
        sys.stderr.write("front: " + (fmt % values) + "\n")

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if self.args.mode == "token" and url.path == "/token":
            return self.issue_token(urllib.parse.parse_qs(url.query))
        if not url.path.startswith("/v2/"):
            return self.send(404, b"not found")
        if self.args.mode == "token" and not self.authorized():
            name = url.path[len("/v2/"):].split("/manifests/")[0].split("/blobs/")[0]
            challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="%s",scope="repository:%s:pull,push"' % (
                self.args.port, SERVICE, name)
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                             [("WWW-Authenticate", challenge), ("Content-Type", "application/json")])
        self.forward(url)

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[len("Bearer "):] in self.tokens

    def issue_token(self, query):
        if query.get("service") != [SERVICE] or not query.get("scope", [""])[0].startswith("repository:"):
            return self.send(400, b"bad service or scope")
        if self.args.user:
            expected = "Basic " + base64.b64encode(("%s:%s" % (self.args.user, self.args.password)).encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self.send(401, b"bad credentials")
        token = secrets.token_hex(16)
        self.tokens.add(token)
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send(200, body, [("Content-Type", "application/json")])

    def forward(self, url):
        target = "http://%s%s" % (self.args.upstream, self.path)
        request = urllib.request.Request(target, method=self.command)
        if self.headers.get("Accept"):
            request.add_header("Accept", self.headers["Accept"])
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        passed = [(k, v) for k, v in headers.items() if k.lower() in PASSED_HEADERS]
        if self.command == "GET" and status == 200 and self.args.tamper and self.args.tamper in url.path:
            if "/blobs/" in url.path and body:
                body = body[:-1] + bytes([body[-1] ^ 0xFF])
            else:
                body = body + b"\n"
        if self.command == "HEAD":
            length = headers.get("Content-Length", "0")
            self.send_response(status)
            for name, value in passed:
                self.send_header(name, value)
            self.send_header("Content-Length", length)
            self.end_headers()
            return
        self.send(status, body, passed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--mode", choices=("token", "tamper"), required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--tamper")
    Front.args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", Front.args.port), Front)
    server.serve_forever()


if __name__ == "__main__":
    main()
