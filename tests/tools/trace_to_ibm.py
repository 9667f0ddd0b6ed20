#!/usr/bin/env python3
"""Converts a distribution JSON access log into an IBM FAST'18 style trace,
anonymised as the published traces are: a JSON array of flat objects with
`timestamp` (%Y-%m-%dT%H:%M:%S.%fZ), `http.request.uri` without its leading
slash, `http.request.duration` in seconds, and every repository component,
tag, digest, upload id, client address, host and request id replaced by the
first 16 hex digits of a salted SHA-256 (the same input, the same hash).
Only `response completed` lines are kept; other lines are skipped.

    trace_to_ibm.py access.log > trace.json
"""
import hashlib
import json
import re
import sys
from datetime import datetime, timezone

SALT = b"regbench-test"
KINDS = ("manifests", "blobs", "tags")


def anon(s):
    return hashlib.sha256(SALT + s.encode()).hexdigest()[:16]


def go_duration_s(d):
    """'471.711µs', '1.2ms', '3.5s', '1m2.5s' -> seconds."""
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    total = 0.0
    for num, unit in re.findall(r"([0-9.]+)(ns|us|µs|μs|ms|s|m|h)", d):
        total += float(num) * units[unit]
    return total


def anon_uri(uri):
    path, _, query = uri.partition("?")
    parts = path.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "v2" or parts[1] == "_catalog":
        return path.lstrip("/")
    rest = parts[1:]
    k = next((i for i, p in enumerate(rest) if p in KINDS), None)
    if k is None:
        return path.lstrip("/")
    name = [anon(c) for c in rest[:k]]
    tail = rest[k:]
    if tail[0] == "blobs" and len(tail) >= 2 and tail[1] == "uploads":
        tail = ["blobs", "uploads"] + [anon(t) for t in tail[2:]]
    elif tail[0] in ("manifests", "blobs"):
        tail = [tail[0]] + [anon(t) for t in tail[1:]]
    out = "/".join(["v2"] + name + tail) + ("/" if path.endswith("/") else "")
    digest = re.search(r"(?:^|&)digest=([^&]+)", query)
    if digest:
        out += "?digest=" + anon(digest.group(1).replace("%3A", ":"))
    return out


def convert(lines):
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        o = json.loads(line)
        if o.get("msg") not in ("response completed", "response completed with error"):
            continue
        t = datetime.strptime(o["time"][:26].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
        yield {
            "host": anon(o.get("http.request.host", "")),
            "http.request.duration": round(go_duration_s(o.get("http.response.duration", "0s")), 6),
            "http.request.method": o["http.request.method"],
            "http.request.remoteaddr": anon(o.get("http.request.remoteaddr", "").rsplit(":", 1)[0]),
            "http.request.uri": anon_uri(o["http.request.uri"]),
            "http.request.useragent": o.get("http.request.useragent", ""),
            "http.response.status": o["http.response.status"],
            "http.response.written": o.get("http.response.written", 0),
            "id": anon(o.get("http.request.id", "")),
            "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: trace_to_ibm.py ACCESS_LOG > TRACE.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        recs = list(convert(f))
    sys.stdout.write("[\n" + ",\n".join(json.dumps(r, sort_keys=True) for r in recs) + "\n]\n")


if __name__ == "__main__":
    main()
