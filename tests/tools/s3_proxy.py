#!/usr/bin/env python3
"""A recording, fault-injecting HTTP proxy in front of a test S3 server.

    s3_proxy.py LISTEN_PORT UPSTREAM_PORT LOG_FILE

Every request is forwarded to 127.0.0.1:UPSTREAM_PORT and its answer
relayed back, both streamed. Each request is appended to LOG_FILE as one
JSON line, exactly as the client sent it: method, target (path and query),
headers (name and value, in order), the body's length and SHA-256, and the
status answered. check_sigv4.py recomputes the signatures from that record.

Faults, armed over HTTP by the test (answered by the proxy itself, never
forwarded or recorded):
    GET /__proxy/status?n=N&code=503&s3code=SlowDown&match=TEXT
                                       the next N requests (whose target
                                       contains TEXT, if given) get that
                                       status and S3's XML error body with
                                       that code (default: SlowDown for
                                       503, InternalError otherwise)
    GET /__proxy/cut?n=N&after=B       the next N answers to a GET are cut
                                       (connection closed) after B body bytes
    GET /__proxy/reset                 disarm everything
"""
import hashlib
import http.client
import http.server
import json
import socket
import sys
import threading
import urllib.parse

CHUNK = 64 * 1024
# Hop-by-hop headers are the proxy's own business; Expect is answered here
# (the body is streamed on at once), so the upstream never sees it.
NOT_FORWARDED = {"connection", "keep-alive", "expect", "transfer-encoding", "proxy-connection"}

lock = threading.Lock()
faults = {"status_n": 0, "status_code": 503, "status_s3code": None, "status_match": "",
          "cut_n": 0, "cut_after": 0}


def take(kind, target=""):
    """Consumes one armed fault of kind ('status' or 'cut'), if any applies."""
    with lock:
        if faults[kind + "_n"] > 0 and faults.get(kind + "_match", "") in target:
            faults[kind + "_n"] -= 1
            return True
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the log file is the record
        pass

    def control(self):
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        with lock:
            if url.path == "/__proxy/status":
                faults["status_n"] = int(q.get("n", "1"))
                faults["status_code"] = int(q.get("code", "503"))
                faults["status_s3code"] = q.get("s3code")
                faults["status_match"] = q.get("match", "")
            elif url.path == "/__proxy/cut":
                faults["cut_n"] = int(q.get("n", "1"))
                faults["cut_after"] = int(q.get("after", "0"))
            elif url.path == "/__proxy/reset":
                faults.update(status_n=0, cut_n=0)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def read_body(self):
        """Yields the request body in chunks (Content-Length or chunked)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return
                yield self.rfile.read(size)
                self.rfile.readline()
        left = int(self.headers.get("Content-Length", "0"))
        while left > 0:
            data = self.rfile.read(min(CHUNK, left))
            if not data:
                raise ConnectionError("request body cut short")
            left -= len(data)
            yield data

    def record(self, body_len, body_sha, status):
        entry = {
            "method": self.command,
            "target": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_length": body_len,
            "body_sha256": body_sha,
            "status": status,
        }
        with lock, open(LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def handle_any(self):
        if self.path.startswith("/__proxy/"):
            return self.control()
        sha = hashlib.sha256()
        length = 0
        if take("status", self.path):
            for data in self.read_body():
                sha.update(data)
                length += len(data)
            return self.answer_fault(length, sha.hexdigest(), faults["status_code"])
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in NOT_FORWARDED and k.lower() != "content-length":
                    upstream.putheader(k, v)
            body = self.read_body()
            if "Content-Length" in self.headers:
                upstream.putheader("Content-Length", self.headers["Content-Length"])
            else:  # chunked: the upstream gets it whole, with a length
                whole = b"".join(body)
                body = [whole]
                upstream.putheader("Content-Length", str(len(whole)))
            upstream.endheaders()
            for data in body:
                sha.update(data)
                length += len(data)
                upstream.send(data)
            resp = upstream.getresponse()
            self.record(length, sha.hexdigest(), resp.status)
            self.relay(resp)
        finally:
            upstream.close()

    def answer_fault(self, length, sha, status):
        code = faults["status_s3code"] or ("SlowDown" if status == 503 else "InternalError")
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
                "<Message>injected by s3_proxy.py</Message></Error>" % code).encode()
        self.record(length, sha, status)
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def relay(self, resp):
        cut = self.command == "GET" and 200 <= resp.status < 300 and take("cut")
        has_body = self.command != "HEAD" and resp.status not in (204, 304)
        chunked = has_body and resp.getheader("Content-Length") is None
        self.send_response_only(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in NOT_FORWARDED:
                self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        while has_body:
            data = resp.read(CHUNK)
            if cut and sent + len(data) > faults["cut_after"]:
                self.wfile.write(data[: faults["cut_after"] - sent])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                self.wfile.write(data)
            sent += len(data)
            if not data:
                break

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    port, UPSTREAM, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    Server(("127.0.0.1", port), Handler).serve_forever()
