#!/usr/bin/env python3
"""trace_gen.py: synthetic registry traces for bench/replay_bench.sh, in the
shape of distribution 2.8's JSON access log (the lines of
tests/unit/data/distribution-2.8-access.log: the JSON "response completed"
line, then the Apache-style access line) or an IBM FAST'18 trace (a JSON
array, one object per line, as tests/tools/trace_to_ibm.py writes).

  trace_gen.py dist|ibm MB OUT [--mix wide|absorb|timed] [--requests N] [--seconds S]

  wide    (default) ~MB megabytes: a pull-heavy mix over 2,000 repositories,
          20,000 blobs and 4,000 manifests (for the reader's speed)
  absorb  ~MB megabytes of the same few objects: 999 of 1,000 records are
          status GETs of 8 upload sessions (absorbed by replay, never sent), the
          rest GETs of 4 blobs: the log is long, its objects few, and a
          replay at speed 0 reads all of it but sends little
  timed   N requests spread over S seconds with exponential gaps (Poisson
          arrivals), GET/HEAD of 300 blobs (1 kB..1 MB) and 30 manifests of
          10 repositories, plus a few monolithic uploads (POST + PUT)
Deterministic (seeded). Times start at 2026-12-06T04:00:00Z."""
import json
import random
import sys
import uuid

T0 = 1796529600.0   # 2026-12-06T04:00:00Z


def iso(t, digits=9):
    sec = int(t)
    frac = ("%.9f" % (t - sec))[2:2 + digits]
    h, m, s = sec // 3600 % 24, sec // 60 % 60, sec % 60
    return "2026-12-06T%02d:%02d:%02d.%sZ" % (h, m, s, frac)


def apache(t, method, uri, status, written, ua):
    sec = int(t)
    return '127.0.0.1 - - [06/Dec/2026:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "" "%s"\n' % (
        sec // 3600 % 24, sec // 60 % 60, sec % 60, method, uri, status, written, ua)


def digest(rng):
    return "sha256:%064x" % rng.getrandbits(256)


class Dist:
    def __init__(self, out):
        self.out = out

    def write(self, rng, t, method, uri, status, written, dur_s, client, name=None, ref=None):
        ua = "docker/24.0.7 go/go1.20.10" if method in ("GET", "HEAD") else "containerd/1.7.2"
        o = {"go.version": "go1.19.8", "http.request.host": "registry.example.com:5000",
             "http.request.id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
             "http.request.method": method, "http.request.remoteaddr": client + ":%d" % rng.randint(30000, 60000),
             "http.request.uri": uri, "http.request.useragent": ua,
             "http.response.contenttype": "application/octet-stream" if "/blobs/" in uri else
             "application/vnd.docker.distribution.manifest.v2+json",
             "http.response.duration": "%.6fms" % (dur_s * 1000), "http.response.status": status,
             "http.response.written": written, "level": "info" if status < 400 else "error",
             "msg": "response completed" if status < 400 else "response completed with error",
             "time": iso(t + dur_s)}
        if name:
            o["vars.name"] = name
        if ref:
            o["vars.reference" if "/manifests/" in uri else "vars.digest"] = ref
        self.out.write(json.dumps(o, sort_keys=True, separators=(",", ":")) + "\n")
        self.out.write(apache(t + dur_s, method, uri, status, written, ua))

    def close(self):
        pass


class Ibm:
    def __init__(self, out):
        self.out = out
        self.first = True
        out.write("[\n")

    def write(self, rng, t, method, uri, status, written, dur_s, client, name=None, ref=None):
        o = {"host": "0a73bb49f6ee874d", "http.request.duration": round(dur_s, 6), "http.request.method": method,
             "http.request.remoteaddr": "%016x" % (hash(client) & 0xffffffffffffffff),
             "http.request.uri": uri.lstrip("/"), "http.request.useragent": "docker/1.12.1",
             "http.response.status": status, "http.response.written": written,
             "id": "%016x" % rng.getrandbits(64), "timestamp": iso(t + dur_s, 3)}
        self.out.write(("" if self.first else ",\n") + json.dumps(o))
        self.first = False

    def close(self):
        self.out.write("\n]\n")


def main():
    a = sys.argv[1:]
    if len(a) < 3 or a[0] not in ("dist", "ibm"):
        sys.exit(__doc__)
    fmt, mb, path = a[0], float(a[1]), a[2]
    mix = a[a.index("--mix") + 1] if "--mix" in a else "wide"
    nreq = int(a[a.index("--requests") + 1]) if "--requests" in a else 2000
    secs = float(a[a.index("--seconds") + 1]) if "--seconds" in a else 50.0
    rng = random.Random(7)
    out = open(path, "w", buffering=1 << 20)
    w = (Dist if fmt == "dist" else Ibm)(out)
    limit = int(mb * 1e6)
    t = T0
    if mix == "wide":
        repos = ["team%d/app%d" % (i % 97, i) for i in range(2000)]
        blobs = [(repos[i % 2000], digest(rng), int(10 ** rng.uniform(3, 8))) for i in range(20000)]
        mans = [(repos[i % 2000], "v%d" % (i // 2000)) for i in range(4000)]
        clients = ["10.0.%d.%d" % (i // 250, i % 250 + 1) for i in range(500)]
        for _ in range(50_000_000):   # bounded; stops at the size
            if out.tell() >= limit:
                break
            t += rng.expovariate(200.0)
            c = rng.choice(clients)
            x = rng.random()
            if x < 0.55:
                r, d, s = rng.choice(blobs)
                w.write(rng, t, "GET", "/v2/%s/blobs/%s" % (r, d), 200, s, s / 2e8 + 0.001, c, r, d)
            elif x < 0.70:
                r, tag = rng.choice(mans)
                w.write(rng, t, "GET", "/v2/%s/manifests/%s" % (r, tag), 200, 1572, 0.002, c, r, tag)
            elif x < 0.80:
                r, d, s = rng.choice(blobs)
                w.write(rng, t, "HEAD", "/v2/%s/blobs/%s" % (r, d), 200 if rng.random() < 0.7 else 404, 0, 0.0008, c, r, d)
            elif x < 0.85:
                r, tag = rng.choice(mans)
                w.write(rng, t, "HEAD", "/v2/%s/manifests/%s" % (r, tag), 200, 0, 0.0009, c, r, tag)
            elif x < 0.97:
                r, d, s = rng.choice(blobs)
                u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                w.write(rng, t, "POST", "/v2/%s/blobs/uploads/" % r, 202, 0, 0.001, c, r)
                w.write(rng, t + 0.002, "PATCH", "/v2/%s/blobs/uploads/%s" % (r, u), 202, 0, s / 1e8 + 0.001, c, r)
                w.write(rng, t + 0.004 + s / 1e8, "PUT", "/v2/%s/blobs/uploads/%s?digest=%s" % (r, u, d.replace(":", "%3A")),
                        201, 0, 0.003, c, r)
            elif x < 0.99:
                r, tag = rng.choice(mans)
                w.write(rng, t, "PUT", "/v2/%s/manifests/%s" % (r, tag), 201, 0, 0.004, c, r, tag)
            else:
                w.write(rng, t, "GET", "/v2/", 200, 2, 0.0005, c)
    elif mix == "absorb":
        r = "bench/flat"
        blobs = [digest(rng) for _ in range(4)]
        ups = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(8)]
        i = 0
        for i in range(50_000_000):   # bounded; stops at the size
            if out.tell() >= limit:
                break
            t += 0.001
            if i % 1000 == 999:
                d = blobs[(i // 1000) % 4]
                w.write(rng, t, "GET", "/v2/%s/blobs/%s" % (r, d), 200, 4096, 0.001, "10.0.0.1", r, d)
            else:
                u = ups[i % 8]
                w.write(rng, t, "GET", "/v2/%s/blobs/uploads/%s" % (r, u), 204, 0, 0.001, "10.0.0.%d" % (i % 8 + 2), r)
    else:   # timed
        repos = ["team/app%d" % i for i in range(10)]
        blobs = [(repos[i % 10], digest(rng), int(10 ** rng.uniform(3, 6))) for i in range(300)]
        mans = [(repos[i % 10], "v%d" % (i // 10)) for i in range(30)]
        clients = ["10.0.0.%d" % i for i in range(1, 41)]
        rate = nreq / secs
        sent = 0
        for _ in range(10 * nreq):   # bounded; stops at nreq requests
            if sent >= nreq:
                break
            t += rng.expovariate(rate)
            c = rng.choice(clients)
            x = rng.random()
            if x < 0.6:
                r, d, s = rng.choice(blobs)
                w.write(rng, t, "GET", "/v2/%s/blobs/%s" % (r, d), 200, s, s / 2e8 + 0.001, c, r, d)
            elif x < 0.8:
                r, tag = rng.choice(mans)
                w.write(rng, t, "GET", "/v2/%s/manifests/%s" % (r, tag), 200, 1572, 0.002, c, r, tag)
            elif x < 0.95:
                r, d, s = rng.choice(blobs)
                w.write(rng, t, "HEAD", "/v2/%s/blobs/%s" % (r, d), 200, 0, 0.0008, c, r, d)
            elif sent + 2 <= nreq:
                r = rng.choice(repos)
                d, s = digest(rng), int(10 ** rng.uniform(3, 5))
                u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                w.write(rng, t, "POST", "/v2/%s/blobs/uploads/" % r, 202, 0, 0.001, c, r)
                w.write(rng, t + 0.003, "PUT", "/v2/%s/blobs/uploads/%s?digest=%s" % (r, u, d.replace(":", "%3A")),
                        201, 0, 0.003, c, r)
                sent += 1
            else:
                continue
            sent += 1
    w.close()
    out.close()


if __name__ == "__main__":
    main()
