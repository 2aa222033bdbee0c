#!/usr/bin/env python3
"""Replays the resource-exhaustion attacks of the 2026-12 security test against a running
civicdesk (see bench/abuse.sh) and prints, per attack, the answers it got, the server's peak
RSS while it ran (from /proc/<pid>/status) and the latency of /healthz probed throughout.

Python standard library only. Usage: abuse.py --base http://127.0.0.1:18095 --pid PID --key KEY
"""
import argparse
import http.client
import json
import socket
import statistics
import threading
import time
import urllib.parse
from collections import Counter

TARGET_RSS_MB = 300
TARGET_P99_MS = 100


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Watch:
    """Samples RSS every 20 ms and probes /healthz every 50 ms until stopped."""

    def __init__(self, host, port, pid):
        self.host, self.port, self.pid = host, port, pid
        self.stop = threading.Event()
        self.peak = 0
        self.latencies = []
        self.failures = 0

    def _rss(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.02)

    def _probe(self):
        while not self.stop.is_set():
            t = time.perf_counter()
            try:
                c = http.client.HTTPConnection(self.host, self.port, timeout=10)
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    self.latencies.append((time.perf_counter() - t) * 1000)
                else:
                    self.failures += 1
            except OSError:
                self.failures += 1
            time.sleep(0.05)

    def __enter__(self):
        self.threads = [threading.Thread(target=f, daemon=True) for f in (self._rss, self._probe)]
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def p(self, q):
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))]


def raw_request(host, port, head, body_chunks, read_timeout=60):
    """Sends a request over a raw socket, streaming the body; returns the status (or the
    error) even when the server answers before the body was sent."""
    s = socket.create_connection((host, port), timeout=read_timeout)
    try:
        s.sendall(head)
        for chunk in body_chunks:
            s.sendall(chunk)
    except OSError:
        pass  # answered early and closed: read what it said
    try:
        data = b""
        while b"\r\n" not in data:
            more = s.recv(65536)
            if not more:
                break
            data += more
        return int(data.split(b" ")[1]) if data.startswith(b"HTTP/") else "closed"
    except (OSError, ValueError, IndexError):
        return "error"
    finally:
        s.close()


def parallel(n, fn):
    results = []
    lock = threading.Lock()

    def run(i):
        r = fn(i)
        with lock:
            results.extend(r if isinstance(r, list) else [r])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--json", help="write the results here too")
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.base)
    host, port = u.hostname, u.port
    rows = []

    def attack(name, fn):
        t = time.perf_counter()
        with Watch(host, port, a.pid) as w:
            answers = fn()
            time.sleep(0.3)  # let the last probes and RSS samples land
        seconds = time.perf_counter() - t
        counts = Counter(str(x) for x in answers)
        row = {
            "attack": name,
            "seconds": round(seconds, 1),
            "requests": len(answers),
            "answers": dict(sorted(counts.items())),
            "peak_rss_mb": round(w.peak / 1024, 1),
            "healthz_p50_ms": round(w.p(0.50), 1),
            "healthz_p99_ms": round(w.p(0.99), 1),
            "healthz_max_ms": round(max(w.latencies, default=float("nan")), 1),
            "healthz_probes": len(w.latencies),
            "healthz_failed": w.failures,
        }
        rows.append(row)
        print(f"  {name}: {row}", flush=True)

    form_head = lambda path, length, ctype="application/x-www-form-urlencoded": (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()

    # Idle: the baseline.
    attack("idle (baseline)", lambda: (time.sleep(3), [])[1])

    # F7: ~1 MB body with 116k parameters and a 55 KB query, no key, 4 in parallel x 5.
    body = "&".join("b%d=1" % i for i in range(115965))[:1048000].encode()
    query = "&".join("q%d=1" % k for k in range(7000))

    def f7(_):
        path = "/open311/v2/requests.json?" + query
        return [raw_request(host, port, form_head(path, len(body)), [body]) for _ in range(5)]

    attack("F7 1 MB of parameters, no key (4 parallel x 5)", lambda: parallel(4, f7))

    # F7 with a valid key: 53k distinct attribute codes in 1 MB.
    attrs = ("api_key=%s&service_code=1999-L01&lat=25.0377&long=121.5436&" % a.key + "&".join(
        "attribute%%5Ba%d%%5D=1" % i for i in range(53000)))[:1048000].encode()

    def f7_key(_):
        return [raw_request(host, port, form_head("/open311/v2/requests.json", len(attrs)), [attrs])
                for _ in range(5)]

    attack("F7 53k attribute codes, valid key (4 parallel x 5)", lambda: parallel(4, f7_key))

    # F8: 16 parallel multipart bodies of 5 x 9.9 MB, without a key and with a valid one.
    boundary = "abuseB"
    part = 9_900_000
    chunk = b"\xff\xd8\xff\xe0" + b"\0" * (1 << 20)

    def multipart(key):
        fields = [("service_code", "1999-L01"), ("lat", "25.0377"), ("long", "121.5436")]
        if key:
            fields.insert(0, ("api_key", key))
        pre = b"".join(
            (f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n').encode()
            for k, v in fields)
        file_head = (f'--{boundary}\r\nContent-Disposition: form-data; name="media"; '
                     f'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n').encode()
        end = f"--{boundary}--\r\n".encode()
        length = len(pre) + 5 * (len(file_head) + part + 2) + len(end)

        def chunks():
            yield pre
            for _ in range(5):
                yield file_head
                left = part
                while left > 0:
                    n = min(left, len(chunk))
                    yield chunk[:n]
                    left -= n
                yield b"\r\n"
            yield end

        return length, chunks

    def f8(key):
        def one(_):
            length, chunks = multipart(key)
            head = form_head("/open311/v2/requests.json", length,
                             f"multipart/form-data; boundary={boundary}")
            return raw_request(host, port, head, chunks())
        return lambda: parallel(16, one)

    attack("F8 16 x 50 MB multipart, no key", f8(None))
    attack("F8 16 x 50 MB multipart, valid key", f8(a.key))

    # F23: one key flooding filings from 32 threads for 5 s.
    filing = urllib.parse.urlencode({
        "api_key": a.key, "service_code": "1999-L01", "lat": "25.0377", "long": "121.5436",
        "attribute[lamps_out]": "2", "description": "abuse bench"}).encode()

    def f23(_):
        out = []
        end = time.time() + 5
        while time.time() < end:
            out.append(raw_request(host, port, form_head("/open311/v2/requests.json", len(filing)),
                                   [filing]))
        return out

    attack("F23 filing flood, one key (32 threads, 5 s)", lambda: parallel(32, f23))

    # F9: 300 distinct list queries with unknown parameters, then 300 with distinct page sizes.
    def get(path):
        c = http.client.HTTPConnection(host, port, timeout=60)
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status

    def f9(kind):
        def one(i):
            out = []
            for j in range(i, 300, 8):
                if kind == "x":
                    q = f"page_size=1000&extensions=true&x={j}"
                else:
                    q = f"page_size={1000 - j}&extensions=true"
                out.append(get(f"/open311/v2/taipei.gov.tw/requests.json?{q}"))
            return out
        return lambda: parallel(8, one)

    attack("F9 300 list queries, unknown parameter x=N", f9("x"))
    attack("F9 300 list queries, page_size=N", f9("size"))

    # F13: huge pages.
    def f13(_):
        return [get("/open311/v2/taipei.gov.tw/requests.json?page=18446744073709551615")
                for _ in range(50)]

    attack("F13 page=2^64-1 (4 parallel x 50)", lambda: parallel(4, f13))

    # F21: 500 connections trickling a header line every 2 s for 16 s.
    def f21():
        socks = []
        for _ in range(500):
            try:
                s = socket.create_connection((host, port), timeout=5)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                socks.append(s)
            except OSError:
                pass
        opened = time.time()
        alive = set(range(len(socks)))
        closed_at = {}
        while time.time() - opened < 16 and alive:
            time.sleep(2)
            for i in list(alive):
                try:
                    socks[i].sendall(b"X-a: b\r\n")
                except OSError:
                    alive.discard(i)
                    closed_at[i] = time.time() - opened
        for s in socks:
            s.close()
        return ["closed by server" if i in closed_at else "still open after 16 s"
                for i in range(len(socks))]

    attack("F21 slowloris, 500 connections", f21)

    print()
    print("| attack | s | requests | answers | peak RSS MB | /healthz p50 ms | p99 ms | max ms | probes (failed) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        answers = ", ".join(f"{k}: {v}" for k, v in r["answers"].items()) or "-"
        print(f"| {r['attack']} | {r['seconds']} | {r['requests']} | {answers} | {r['peak_rss_mb']} | "
              f"{r['healthz_p50_ms']} | {r['healthz_p99_ms']} | {r['healthz_max_ms']} | "
              f"{r['healthz_probes']} ({r['healthz_failed']}) |")
    worst_rss = max(r["peak_rss_mb"] for r in rows)
    worst_p99 = max(r["healthz_p99_ms"] for r in rows)
    print()
    print(f"peak RSS {worst_rss} MB (target < {TARGET_RSS_MB}); worst /healthz p99 {worst_p99} ms "
          f"(target < {TARGET_P99_MS})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0 if worst_rss < TARGET_RSS_MB and worst_p99 < TARGET_P99_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
