#!/usr/bin/env python3
"""regproxy: a loopback HTTP/1.1 reverse proxy for registry integration tests.

Sits between a client (regbench, curl) and a real registry on 127.0.0.1 and
can demand authentication (Bearer token flow or Basic) and inject faults
(flipped byte, truncated body, delay, stall, reset, error status, slow
upload, a proportional slowdown). Bodies are streamed through a fixed buffer, never held whole.
Standard library only. See tests/tools/README.md.
"""
import argparse
import base64
import datetime
import fcntl
import hmac
import http.client
import http.server
import ipaddress
import json
import os
import random
import re
import secrets
import select
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

BUF = 256 * 1024
SIOCOUTQNSD = 0x894B           # Linux: bytes in a socket's send queue not yet sent
MAX_LINE = 65536
DRAIN_LIMIT = 256 << 20        # bodies we answer without forwarding: drain up to this, else close
FAULT_KINDS = ("flip_byte", "truncate", "delay", "stall", "reset", "status", "slow_upload", "slowdown")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "proxy-authenticate", "proxy-authorization"}
REPO_RE = re.compile(r"^/v2/(.+?)/(?:blobs|manifests|tags|referrers)(?:/|$)")
BLOB_RE = re.compile(r"^/v2/.+/blobs/[a-z0-9]+:[A-Za-z0-9=_-]+$")
STATUS_CODES = {429: "TOOMANYREQUESTS", 503: "UNAVAILABLE", 401: "UNAUTHORIZED",
                403: "DENIED", 404: "NOT_FOUND"}


class ClientGone(Exception):
    """The client closed its side; abandon the exchange."""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = {"requests": 0, "forwarded": 0, "tokens_issued": 0, "auth_failures": 0,
                  "upstream_errors": 0, "client_errors": 0, "blobs_hidden": 0,
                  "bytes_to_upstream": 0, "bytes_to_client": 0}
        self.faults = {k: 0 for k in FAULT_KINDS}
        self.fault_matches = 0

    def inc(self, key, n=1):
        with self.lock:
            self.c[key] += n

    def fault(self, kind):
        with self.lock:
            self.faults[kind] += 1

    def snapshot(self):
        with self.lock:
            d = dict(self.c)
            d["faults_injected"] = dict(self.faults)
            d["faults_total"] = sum(self.faults.values())
            return d


class Tokens:
    """Issued bearer tokens: token -> (expiry, set of repositories)."""

    def __init__(self, ttl):
        self.ttl = ttl
        self.lock = threading.Lock()
        self.tokens = {}

    def issue(self, repos):
        tok = secrets.token_urlsafe(32)
        now = time.time()
        with self.lock:
            if len(self.tokens) > 10000:     # bounded: forget long-expired ones
                for t in [t for t, (exp, _) in self.tokens.items() if exp < now - 3600]:
                    del self.tokens[t]
            self.tokens[tok] = (now + self.ttl, frozenset(repos))
        return tok, now

    def check(self, tok, repo):
        """Returns None if valid for repo (None = any), else the error name."""
        with self.lock:
            ent = self.tokens.get(tok)
        if ent is None:
            return "invalid_token"
        exp, repos = ent
        if time.time() >= exp:
            return "invalid_token"
        if repo is not None and repo not in repos:
            return "insufficient_scope"
        return None


def parse_scopes(scopes):
    repos = set()
    for sc in scopes:
        for one in sc.split(" "):
            parts = one.split(":")
            if len(parts) >= 3 and parts[0] == "repository":
                repos.add(":".join(parts[1:-1]))
    return repos


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "regproxy"
    cfg = None  # set in main

    # ---- plumbing -------------------------------------------------------
    def setup(self):
        super().setup()
        self.timeout_s = self.cfg.idle_timeout
        self.connection.settimeout(self.timeout_s)
        try:   # a head and a small body written apart must not wait for a delayed ACK
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.up = None
        self.st = self.server.stats

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self._close_upstream()

    def log_message(self, fmt, *args):  # silence the default access log
        pass

    def handle_expect_100(self):
        # Defer "100 Continue" until we decide to read the body, so that a
        # 401 or an injected status can be answered without the upload.
        self._expect = True
        return True

    def _continue(self):
        if self._expect and not self._sent_continue:
            self._sent_continue = True
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _write(self, data):
        try:
            self.wfile.write(data)
        except (OSError, ValueError) as e:
            raise ClientGone(str(e))
        self.st.inc("bytes_to_client", len(data))

    def _close_upstream(self):
        if self.up is not None:
            try:
                self.up.close()
            except OSError:
                pass
            self.up = None

    def _log(self, status, fault=None):
        sys.stderr.write("%s %s %s %s\n" % (self.command, self.path, status, fault or "-"))
        sys.stderr.flush()

    # ---- request bodies -------------------------------------------------
    def _body_kind(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te and te.strip().lower() != "identity":
            if te.split(",")[-1].strip().lower() != "chunked":
                return ("bad", None)
            return ("chunked", None)
        cl = self.headers.get("Content-Length")
        if cl is not None:
            try:
                n = int(cl.strip())
                if n < 0:
                    raise ValueError
            except ValueError:
                return ("bad", None)
            return ("length", n) if n > 0 else ("none", 0)
        return ("none", 0)

    def _read_exact(self, n):
        try:
            data = self.rfile.read(n)
        except OSError as e:
            raise ClientGone(str(e))
        if len(data) < n:
            raise ClientGone("client closed during request body")
        return data

    def _readline(self):
        try:
            line = self.rfile.readline(MAX_LINE + 1)
        except OSError as e:
            raise ClientGone(str(e))
        if not line:
            raise ClientGone("client closed during chunked body")
        if len(line) > MAX_LINE:
            raise ClientGone("chunk line too long")
        return line

    def _body_pieces(self, rate=None):
        """Yields the request body in pieces of at most BUF bytes (chunked
        decoded), at most `rate` bytes/s if given."""
        kind, n = self._body_kind()
        self._body_done = True
        if kind == "none":
            return
        self._continue()
        step = BUF if not rate else max(1, min(BUF, int(rate // 10) or 1))
        start, total = time.monotonic(), 0

        def pace(k):
            nonlocal total
            total += k
            if rate:
                ahead = total / rate - (time.monotonic() - start)
                if ahead > 0 and self.server.stop.wait(ahead):
                    raise ClientGone("shutting down")

        if kind == "length":
            left = n
            while left > 0:
                piece = self._read_exact(min(step, left))
                left -= len(piece)
                pace(len(piece))
                yield piece
            return
        while True:  # chunked
            line = self._readline().split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise ClientGone("bad chunk size %r" % line[:40])
            if size == 0:
                while self._readline() not in (b"\r\n", b"\n"):
                    pass  # trailers: dropped
                return
            left = size
            while left > 0:
                piece = self._read_exact(min(step, left))
                left -= len(piece)
                pace(len(piece))
                yield piece
            self._readline()  # CRLF after the chunk

    def _discard_body(self):
        """Before answering without forwarding: drain a small body, else make
        sure the connection closes after the answer."""
        if self._body_done:
            return
        kind, n = self._body_kind()
        if kind == "none":
            self._body_done = True
            return
        if self._expect and not self._sent_continue:
            self.close_connection = True   # client has not sent the body
            return
        if kind == "length" and n > DRAIN_LIMIT:
            self.close_connection = True
            return
        total = 0
        for piece in self._body_pieces():   # draining avoids a RST that would hide our answer
            total += len(piece)
            if total > DRAIN_LIMIT:
                self.close_connection = True
                return

    # ---- answers made here ----------------------------------------------
    def _answer(self, code, body, headers=(), fault=None):
        self._discard_body()
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        lines = ["HTTP/1.1 %d %s" % (code, http.client.responses.get(code, "Status"))]
        lines.append("Date: " + self.date_time_string())
        lines.append("Content-Type: application/json")
        lines.append("Content-Length: %d" % len(data))
        for k, v in headers:
            lines.append("%s: %s" % (k, v))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._write(head + (b"" if self.command == "HEAD" else data))
        self._log(code, fault)

    @staticmethod
    def _err(code, message):
        return {"errors": [{"code": code, "message": message}]}

    # ---- auth -----------------------------------------------------------
    def _own(self):
        return self.server.own_netloc

    def _basic_ok(self):
        h = self.headers.get("Authorization", "")
        if not h[:6].lower() == "basic ":
            return False
        try:
            user, _, pw = base64.b64decode(h[6:].strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        c = self.cfg
        return hmac.compare_digest(user, c.user) & hmac.compare_digest(pw, c.password)

    def _check_auth(self, path):
        """Returns True if the request may proceed; otherwise has answered."""
        c = self.cfg
        if c.auth == "none" or not (path == "/v2" or path.startswith("/v2/")):
            return True
        m = REPO_RE.match(path)
        repo = m.group(1) if m else None
        if c.auth == "basic":
            if self._basic_ok():
                return True
            self.st.inc("auth_failures")
            self._answer(401, self._err("UNAUTHORIZED", "authentication required"),
                         [("WWW-Authenticate", 'Basic realm="regproxy"')])
            return False
        h = self.headers.get("Authorization", "")
        error = None
        if h[:7].lower() == "bearer ":
            error = self.server.tokens.check(h[7:].strip(), repo)
            if error is None:
                return True
        self.st.inc("auth_failures")
        chal = 'Bearer realm="http://%s/token",service="regproxy"' % self._own()
        if repo is not None:
            chal += ',scope="repository:%s:pull,push"' % repo
        if error:
            chal += ',error="%s"' % error
        msg = {"invalid_token": "token invalid or expired",
               "insufficient_scope": "token not valid for this repository"}.get(error, "authentication required")
        self._answer(401, self._err("UNAUTHORIZED", msg), [("WWW-Authenticate", chal)])
        return False

    def _token(self, query):
        if not self._basic_ok():
            self.st.inc("auth_failures")
            self._answer(401, self._err("UNAUTHORIZED", "bad or missing credentials"),
                         [("WWW-Authenticate", 'Basic realm="regproxy"')])
            return
        q = urllib.parse.parse_qs(query)
        tok, now = self.server.tokens.issue(parse_scopes(q.get("scope", [])))
        self.st.inc("tokens_issued")
        issued = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        self._answer(200, {"token": tok, "access_token": tok, "expires_in": self.cfg.token_ttl,
                           "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%SZ")})

    # ---- faults ---------------------------------------------------------
    def _pick_faults(self):
        c = self.cfg
        if not c.any_fault:
            return set()
        if c.fault_method and self.command not in c.fault_method:
            return set()
        if not c.fault_path_re.search(self.path):
            return set()
        with self.server.stats.lock:
            self.server.stats.fault_matches += 1
            nth = self.server.stats.fault_matches
        if nth <= c.fault_after or random.random() >= c.fault_rate:
            return set()
        kinds = set()
        for kind, on in (("flip_byte", c.flip_byte), ("truncate", c.truncate), ("delay", c.delay > 0),
                         ("stall", c.stall), ("reset", c.reset), ("status", c.status is not None),
                         ("slow_upload", c.slow_upload > 0), ("slowdown", c.slowdown > 1)):
            if on:
                kinds.add(kind)
        return kinds

    def _reset(self):
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.rfile.close()      # the makefile reference keeps the fd open otherwise
            self.connection.close()
        except OSError:
            pass

    def _hold(self, faults, done):
        """--slowdown F: called just before the last bytes of the answer;
        waits (F - 1) x the time the exchange took so far, so that the
        client sees the answer complete F times as late. Once per request."""
        if "slowdown" not in faults or "slowdown" in done:
            return
        self.st.fault("slowdown")
        done.append("slowdown")
        self._drain()
        wait = (self.cfg.slowdown - 1.0) * (time.monotonic() - self._t0)
        if wait > 0 and self.server.stop.wait(wait):
            raise ClientGone("shutting down")

    def _drain(self, limit=2.0):
        """Waits (at most `limit` s) until every byte written so far has left
        for the client (no unsent bytes in the socket: SIOCOUTQNSD), so that
        the time an exchange took is about the time the client saw."""
        end = time.monotonic() + limit
        while time.monotonic() < end and not self.server.stop.is_set():
            try:
                q = fcntl.ioctl(self.connection.fileno(), SIOCOUTQNSD, b"\0\0\0\0")
            except (OSError, ValueError):
                return
            if struct.unpack("i", q)[0] == 0:
                return
            time.sleep(0.0005)

    def _stall(self):
        """Keep the connection open, sending nothing, until the client goes
        away or the proxy stops."""
        self.close_connection = True
        sock = self.connection
        while not self.server.stop.is_set():
            try:
                r, _, _ = select.select([sock], [], [], 0.5)
                if r and not sock.recv(65536):
                    return
            except (OSError, ValueError):
                return

    # ---- dispatch -------------------------------------------------------
    def _handle(self):
        self._t0 = time.monotonic()
        self._expect = getattr(self, "_expect", False)
        self._sent_continue = False
        self._body_done = False
        try:
            self._dispatch()
        except ClientGone as e:
            self.st.inc("client_errors")
            self.close_connection = True
            self._close_upstream()
            self._log("client-gone", str(e)[:60].replace(" ", "_"))
        finally:
            self._expect = False

    def _dispatch(self):
        path, _, query = self.path.partition("?")
        if path == "/__proxy/stats":
            self._answer(200, self.st.snapshot())
            return
        self.st.inc("requests")
        if self._body_kind()[0] == "bad":
            self.close_connection = True
            self._answer(400, self._err("BAD_REQUEST", "unsupported request body framing"))
            return
        if self.cfg.auth == "bearer" and path == "/token":
            self._token(query)
            return
        if not self._check_auth(path):
            return
        if self.cfg.fresh and self.command == "HEAD" and BLOB_RE.match(path):
            self.st.inc("blobs_hidden")   # --fresh: "not here", so a push uploads it again
            self._answer(404, self._err("BLOB_UNKNOWN", "blob unknown to registry (regproxy --fresh)"))
            return
        faults = self._pick_faults()
        done = []
        if "delay" in faults:
            self.st.fault("delay")
            done.append("delay")
            if self.server.stop.wait(self.cfg.delay):
                raise ClientGone("shutting down")
        if "reset" in faults:
            self.st.fault("reset")
            self._log("reset", "+".join(done + ["reset"]))
            self._reset()
            return
        if "status" in faults:
            self.st.fault("status")
            code = self.cfg.status
            hdrs = [("Retry-After", "1")] if code == 429 else []
            self._answer(code, self._err(STATUS_CODES.get(code, "UNKNOWN"), "injected fault"),
                         hdrs, fault="+".join(done + ["status"]))
            return
        self._forward(faults, done)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    # ---- forwarding -----------------------------------------------------
    def _conn(self):
        if self.up is None:
            u = self.cfg.up
            self.up = http.client.HTTPConnection(u.hostname, u.port or 80,
                                                 timeout=self.cfg.upstream_timeout)
        return self.up

    def _send_request(self, faults, done):
        kind, n = self._body_kind()
        rate = self.cfg.slow_upload if "slow_upload" in faults and kind != "none" else None
        for attempt in (0, 1):
            conn = self._conn()
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                conn.putheader("Host", self.cfg.up.netloc)
                for k, v in self.headers.items():
                    lk = k.lower()
                    if lk in HOP_BY_HOP or lk in ("host", "expect", "content-length"):
                        continue
                    if lk == "authorization" and self.cfg.auth != "none":
                        continue
                    conn.putheader(k, v)
                if kind == "length":
                    conn.putheader("Content-Length", str(n))
                elif kind == "chunked":
                    conn.putheader("Transfer-Encoding", "chunked")
                elif self.command in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", "0")
                conn.endheaders()
                break
            except (OSError, http.client.HTTPException):
                self._close_upstream()
                if attempt:
                    raise
        if kind == "none":
            return
        if rate:
            self.st.fault("slow_upload")
            done.append("slow_upload")
        for piece in self._body_pieces(rate):
            if kind == "chunked":
                conn.send(b"%x\r\n" % len(piece))
                conn.send(piece)
                conn.send(b"\r\n")
            else:
                conn.send(piece)
            self.st.inc("bytes_to_upstream", len(piece))
        if kind == "chunked":
            conn.send(b"0\r\n\r\n")

    def _rewrite_location(self, v):
        try:
            u = urllib.parse.urlsplit(v)
        except ValueError:
            return v
        up = self.cfg.up
        if u.scheme in ("http", "https") and u.hostname and u.port == (up.port or 80):
            same = u.hostname == up.hostname or (_loopback(u.hostname) and _loopback(up.hostname))
            if same:
                return urllib.parse.urlunsplit(("http", self._own(), u.path, u.query, u.fragment))
        return v

    def _forward(self, faults, done):
        try:
            for attempt in (0, 1):
                reused = self.up is not None and self.up.sock is not None
                self._send_request(faults, done)
                try:
                    resp = self._conn().getresponse()
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    # an idle upstream connection closed under us: retry once if nothing was lost
                    self._close_upstream()
                    if attempt or not reused or self._body_kind()[0] != "none":
                        raise
        except ClientGone:
            raise
        except (OSError, http.client.HTTPException) as e:
            self._close_upstream()
            self.st.inc("upstream_errors")
            if self._body_kind()[0] != "none":
                self.close_connection = True   # the body may be half read
            self._answer(502, self._err("UNAVAILABLE", "upstream: %s" % e))
            return
        self.st.inc("forwarded")
        code = resp.status
        has_body = not (self.command == "HEAD" or code in (204, 304) or 100 <= code < 200)
        headers = []
        for k, v in resp.getheaders():
            lk = k.lower()
            if lk in HOP_BY_HOP:
                continue
            if lk == "content-length" and resp.chunked:
                continue
            if lk == "location":
                v = self._rewrite_location(v)
            headers.append((k, v))
        length = None
        framing = "none"
        if has_body:
            if resp.chunked:
                framing = "chunked" if self.request_version == "HTTP/1.1" else "close"
            elif resp.getheader("Content-Length") is not None:
                framing, length = "length", resp.length
            else:
                framing = "close"
        if framing == "chunked":
            headers.append(("Transfer-Encoding", "chunked"))
        if framing == "close":
            self.close_connection = True
        if self.close_connection:
            headers.append(("Connection", "close"))
        head = ["HTTP/1.1 %d %s" % (code, resp.reason or http.client.responses.get(code, ""))]
        head += ["%s: %s" % kv for kv in headers]
        if not has_body or (framing == "length" and not length):
            self._hold(faults, done)   # the head is the whole answer
        self._write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if not has_body:
            resp.read()
            self._log(code, "+".join(done) if done else None)
            return
        # body faults apply only when there is a body to damage
        known = length if framing == "length" else None
        cut = None
        if "stall" in faults or "truncate" in faults:
            cut = (known // 2) if known is not None else 1   # unknown length: after the first piece
        flip_at = (known // 2) if "flip_byte" in faults and known else None
        pos = 0
        flipped = False
        try:
            while True:
                try:
                    piece = resp.read1(BUF) if framing != "length" else resp.read(min(BUF, length - pos))
                except (OSError, http.client.HTTPException) as e:
                    self.st.inc("upstream_errors")
                    self._close_upstream()
                    self.close_connection = True
                    self._log(code, "upstream-broke:" + type(e).__name__)
                    return
                if not piece:
                    break
                if "flip_byte" in faults and not flipped:
                    at = flip_at if flip_at is not None else len(piece) // 2
                    if pos <= at < pos + len(piece):
                        b = bytearray(piece)
                        b[at - pos] ^= 0x01
                        piece = bytes(b)
                        flipped = True
                        self.st.fault("flip_byte")
                        done.append("flip_byte")
                if cut is not None and pos + len(piece) >= cut:
                    keep = piece[: cut - pos] if known is not None else piece
                    if keep:
                        self._write(b"%x\r\n%s\r\n" % (len(keep), keep) if framing == "chunked" else keep)
                    kind = "stall" if "stall" in faults else "truncate"
                    self.st.fault(kind)
                    done.append(kind)
                    self._close_upstream()
                    self.close_connection = True
                    self._log(code, "+".join(done))
                    if kind == "stall":
                        self._stall()
                    return
                if framing == "length" and pos + len(piece) >= length:
                    self._hold(faults, done)   # before the last piece
                if framing == "chunked":
                    self._write(b"%x\r\n" % len(piece))
                    self._write(piece)
                    self._write(b"\r\n")
                else:
                    self._write(piece)
                pos += len(piece)
                if framing == "length" and pos >= length:
                    break
        except ClientGone:
            raise
        self._hold(faults, done)   # chunked: before the last chunk; close-delimited: before the close
        if framing == "chunked":
            self._write(b"0\r\n\r\n")
        if resp.will_close:
            self._close_upstream()
        self._log(code, "+".join(done) if done else None)


def _loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (OSError, ClientGone)):
            return
        super().handle_error(request, client_address)


class Server6(Server):
    address_family = socket.AF_INET6


def parse_args(argv):
    p = argparse.ArgumentParser(description="Loopback reverse proxy with auth and fault injection for registry tests.")
    p.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the real registry")
    p.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT, HOST 127.0.0.1 or [::1] (default 127.0.0.1:0)")
    p.add_argument("--port-file", help="write the listening port here")
    p.add_argument("--max-seconds", type=float, default=600, help="exit after this long (default 600)")
    p.add_argument("--idle-timeout", type=float, default=120, help="client socket timeout, s (default 120)")
    p.add_argument("--upstream-timeout", type=float, default=120, help="upstream socket timeout, s (default 120)")
    p.add_argument("--auth", choices=("none", "bearer", "basic"), default="none")
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--token-ttl", type=int, default=60, help="bearer token lifetime, s (default 60)")
    p.add_argument("--flip-byte", action="store_true")
    p.add_argument("--truncate", action="store_true")
    p.add_argument("--delay", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--stall", action="store_true")
    p.add_argument("--reset", action="store_true")
    p.add_argument("--status", type=int, metavar="CODE")
    p.add_argument("--slow-upload", type=float, default=0.0, metavar="BYTES_PER_S")
    p.add_argument("--slowdown", type=float, default=1.0, metavar="F",
                   help="answer F times as late as through the plain proxy (F >= 1; 2: twice as slow)")
    p.add_argument("--fresh", action="store_true",
                   help="answer HEAD of any blob with 404, so pushing the same images again uploads every blob")
    p.add_argument("--fault-rate", type=float, default=1.0)
    p.add_argument("--fault-path", default=r"^/v2/.+/blobs/sha256:", metavar="REGEX")
    p.add_argument("--fault-method", default="", metavar="M[,M...]", help="only these methods (default: any)")
    p.add_argument("--fault-after", type=int, default=0, metavar="N")
    a = p.parse_args(argv)
    a.up = urllib.parse.urlsplit(a.upstream)
    if a.up.scheme != "http" or not a.up.hostname or not _loopback(a.up.hostname):
        p.error("--upstream must be http:// on a loopback address, got %r" % a.upstream)
    try:
        a.up.port
    except ValueError:
        p.error("bad --upstream port")
    m = re.fullmatch(r"(\[::1\]|::1|127\.0\.0\.1|localhost):(\d+)", a.listen)
    if not m or int(m.group(2)) > 65535:
        p.error("--listen must be 127.0.0.1:PORT or [::1]:PORT, got %r" % a.listen)
    a.listen_host = "::1" if "::1" in m.group(1) else "127.0.0.1"
    a.listen_port = int(m.group(2))
    if a.auth != "none" and not a.user:
        p.error("--auth %s needs --user and --password" % a.auth)
    if not a.slowdown >= 1.0 or a.slowdown > 1000:
        p.error("--slowdown must be a factor from 1 to 1000, got %g" % a.slowdown)
    if not 0.0 <= a.fault_rate <= 1.0:
        p.error("--fault-rate must be in [0, 1]")
    if a.status is not None and not 100 <= a.status <= 599:
        p.error("--status must be an HTTP status code")
    try:
        a.fault_path_re = re.compile(a.fault_path)
    except re.error as e:
        p.error("bad --fault-path: %s" % e)
    a.fault_method = {x.strip().upper() for x in a.fault_method.split(",") if x.strip()}
    a.any_fault = (a.flip_byte or a.truncate or a.delay > 0 or a.stall or a.reset
                   or a.status is not None or a.slow_upload > 0 or a.slowdown > 1)
    return a


def main(argv=None):
    cfg = parse_args(sys.argv[1:] if argv is None else argv)
    Handler.cfg = cfg
    cls = Server6 if cfg.listen_host == "::1" else Server
    srv = cls((cfg.listen_host, cfg.listen_port), Handler)
    port = srv.server_address[1]
    srv.own_netloc = ("[::1]:%d" if cfg.listen_host == "::1" else "127.0.0.1:%d") % port
    srv.stats = Stats()
    srv.tokens = Tokens(cfg.token_ttl)
    srv.stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: srv.stop.set())
    signal.signal(signal.SIGINT, lambda *_: srv.stop.set())
    if cfg.port_file:
        tmp = cfg.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, cfg.port_file)
    print("listening on port %d" % port, flush=True)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()
    deadline = time.monotonic() + cfg.max_seconds
    while not srv.stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            sys.stderr.write("regproxy: --max-seconds %g reached, exiting\n" % cfg.max_seconds)
            break
        srv.stop.wait(min(left, 1.0))
    srv.stop.set()
    srv.shutdown()
    srv.server_close()
    sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
