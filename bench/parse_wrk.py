"""Reads wrk --latency output on stdin; prints `req_per_s<TAB>p50_ms<TAB>p99_ms<TAB>errors`."""
import re
import sys

text = sys.stdin.read()


def ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        return float("nan")
    n, unit = float(m.group(1)), m.group(2)
    return {"us": n / 1000, "ms": n, "s": n * 1000, "m": n * 60000}[unit]


rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
errors = 0
for m in re.finditer(r"Non-2xx or 3xx responses: (\d+)", text):
    errors += int(m.group(1))
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if sock:
    errors += sum(int(x) for x in sock.groups())
print(
    "\t".join(
        [
            rps.group(1) if rps else "0",
            f"{ms(p50.group(1)):.3f}" if p50 else "nan",
            f"{ms(p99.group(1)):.3f}" if p99 else "nan",
            str(errors),
        ]
    )
)
