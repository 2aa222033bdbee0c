"""Turns the harness's TSV into bench/results/<date>-<backend>.json and .md."""
import datetime
import json
import os
import platform
import sys

tsv, backend, ready, rss_kb, duration = sys.argv[1:6]
import_s = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else None
rows = {}
for line in open(tsv, encoding="utf-8"):
    name, conns, kind, rps, p50, p99, errors = line.rstrip("\n").split("\t")
    rows.setdefault((name, int(conns)), {})[kind] = {
        "req_per_s": float(rps),
        "p50_ms": float(p50),
        "p99_ms": float(p99),
        "errors": int(errors),
    }
results = []
for (name, conns), r in sorted(rows.items(), key=lambda x: (list(rows).index(x[0]))):
    route = r.get("route", {})
    ceiling = r.get("ceiling")
    entry = {"route": name, "connections": conns, **route}
    if ceiling:
        entry["ceiling_req_per_s"] = ceiling["req_per_s"]
        entry["ceiling_p99_ms"] = ceiling["p99_ms"]
        entry["ratio_to_ceiling"] = round(route.get("req_per_s", 0) / ceiling["req_per_s"], 3) if ceiling["req_per_s"] else None
    results.append(entry)
def machine():
    model, mem = platform.machine(), ""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}){mem}, {platform.system()} {platform.release()}"


now = datetime.datetime.now(datetime.timezone.utc)
doc = {
    "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "backend": backend,
    "machine": machine(),
    "duration_s_per_run": int(duration),
    "ready_after_start_s": round(float(ready), 3),
    "peak_rss_mb": round(int(rss_kb) / 1024, 1),
    "data": "Taipei 1999 dispatch records (1.6 M cases) imported" if import_s else "reference data only",
    "import_s": float(import_s) if import_s else None,
    "results": results,
}
os.makedirs("bench/results", exist_ok=True)
stem = f"bench/results/{now.strftime('%Y-%m-%d')}-{backend}"
with open(stem + ".json", "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
lines = [
    f"# civicdesk benchmark, {backend}, {doc['date']}",
    "",
    f"{doc['machine']}; wrk, {duration} s per run; ready {doc['ready_after_start_s']} s after start; "
    f"peak RSS {doc['peak_rss_mb']} MB.",
    "",
    f"Data: {doc['data']}" + (f" in {doc['import_s']:.1f} s." if import_s else "."),
    "",
    "| route | conns | req/s | p50 ms | p99 ms | errors | ceiling req/s | ceiling p99 ms | ratio |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]
for e in results:
    lines.append(
        f"| {e['route']} | {e['connections']} | {e.get('req_per_s', 0):,.0f} | {e.get('p50_ms', float('nan')):.2f} | "
        f"{e.get('p99_ms', float('nan')):.2f} | {e.get('errors', 0)} | "
        + (f"{e['ceiling_req_per_s']:,.0f} | {e['ceiling_p99_ms']:.2f} | {e['ratio_to_ceiling']:.0%} |" if "ceiling_req_per_s" in e else "– | – | – |")
    )
with open(stem + ".md", "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"\nwritten: {stem}.json, {stem}.md")
