#!/usr/bin/env python3
"""Write load for the failure tests (bench/crash.sh, bench/scaleout.sh): threads POST Open311
requests and append each acknowledged service_request_id to a file, only after the answer
arrived. Python standard library only.

    load.py --base http://127.0.0.1:18111 [--base …] --key cdk_… --out acked.txt \
            [--threads 8] [--seconds 30] [--stop-file path] [--email-every 0] [--tag base=label]

Requests are spread round-robin over the --base URLs. Each outcome goes to the summary printed
at the end as JSON, per base URL: acknowledged, refused (an HTTP error status) and lost (no
answer: the connection failed or broke, e.g. because the server was killed).
With --email-every N, every Nth request carries an e-mail address (a notification is queued).
--tag base=label gives a base URL a name in the acknowledgement file (`id<TAB>label`).
"""

import argparse
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", action="append", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--stop-file")
    ap.add_argument("--email-every", type=int, default=0)
    ap.add_argument("--tag", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=15)
    args = ap.parse_args()

    tags = {k: v for k, v in (t.rsplit("=", 1) for t in args.tag)}
    lock = threading.Lock()
    out = open(args.out, "a", buffering=1, encoding="utf-8")
    stats = {b: {"acknowledged": 0, "refused": 0, "lost": 0, "errors": []} for b in args.base}
    counter = [0]
    deadline = time.monotonic() + args.seconds

    def stopping():
        if time.monotonic() >= deadline:
            return True
        return bool(args.stop_file) and os.path.exists(args.stop_file)

    def worker():
        while not stopping():
            with lock:
                n = counter[0]
                counter[0] += 1
            base = args.base[n % len(args.base)]
            form = {
                "api_key": args.key,
                "service_code": "1999-L01",
                "lat": "25.0377",
                "long": "121.5436",
                "attribute[lamps_out]": "2",
                "description": f"路燈不亮 (load {n})",
            }
            if args.email_every and n % args.email_every == 0:
                form["email"] = f"citizen{n}@example.com"
            body = urllib.parse.urlencode(form).encode()
            req = urllib.request.Request(f"{base}/open311/v2/requests.json", data=body, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=args.timeout) as r:
                    status = r.status
                    payload = r.read()
            except urllib.error.HTTPError as e:
                with lock:
                    stats[base]["refused"] += 1
                    if len(stats[base]["errors"]) < 5:
                        stats[base]["errors"].append(f"HTTP {e.code}: {e.read()[:200]!r}")
                continue
            except Exception as e:  # connection refused or reset, timeout: no answer
                with lock:
                    stats[base]["lost"] += 1
                    if len(stats[base]["errors"]) < 5:
                        stats[base]["errors"].append(repr(e)[:200])
                time.sleep(0.05)
                continue
            if status not in (200, 201):
                with lock:
                    stats[base]["refused"] += 1
                continue
            sid = json.loads(payload)[0]["service_request_id"]
            with lock:
                # Written only now that the answer has arrived.
                label = tags.get(base)
                out.write(f"{sid}\t{label}\n" if label else f"{sid}\n")
                stats[base]["acknowledged"] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    print(json.dumps(stats, ensure_ascii=False))


if __name__ == "__main__":
    main()
