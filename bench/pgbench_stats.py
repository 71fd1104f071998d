#!/usr/bin/env python3
"""Reads pgbench per-transaction logs (-l) and pgbench's stdout; prints one RESULT line like wrk's.

Usage: pgbench_stats.py PGBENCH_STDOUT LOG_FILE...
Log lines: client_id transaction_no latency_us script_no epoch_s epoch_us  (failed ones: not counted)
"""
import re
import sys

out = open(sys.argv[1]).read()
lat = []
for path in sys.argv[2:]:
    for line in open(path):
        f = line.split()
        if len(f) >= 6 and f[2].isdigit():
            lat.append(int(f[2]))
lat.sort()


def pct(p):
    if not lat:
        return float("nan")
    return lat[min(len(lat) - 1, int(round(p / 100 * len(lat) + 0.5)) - 1)] / 1000


m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
failed = re.search(r"number of failed transactions: (\d+)", out)
print("RESULT rps=%s p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d failed=%s" % (
    m.group(1) if m else "nan", pct(50), pct(90), pct(99), (lat[-1] / 1000) if lat else float("nan"),
    len(lat), failed.group(1) if failed else "0"))
