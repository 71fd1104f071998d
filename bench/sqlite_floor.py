#!/usr/bin/env python3
"""The SQLite floor: Python's sqlite3 running only the statements an operation needs, on the
service's own database file, with the service's pragmas, at the service's concurrency.

    sqlite_floor.py DB_FILE donation        THREADS SECONDS
    sqlite_floor.py DB_FILE redeem-distinct THREADS SECONDS PARTNER_ID
    sqlite_floor.py DB_FILE redeem-hot      THREADS SECONDS PARTNER_ID

Prints one RESULT line like wrk's (rps, p50/p90/p99/max in ms, requests, failed).

Each thread has its own connection opened as the service opens one (src/db/mod.rs): busy_timeout
10000, journal_mode WAL, synchronous NORMAL, foreign_keys ON, cache_size -16384 (16 MiB),
temp_store MEMORY; each operation is one write transaction started IMMEDIATE as the service starts
it (db::write_transaction):

* donation: BEGIN IMMEDIATE; the INSERT of a general donation (the columns and values the service
  binds for bench/donation.json) and of its ten donor search terms; COMMIT.
* redemption: BEGIN IMMEDIATE; the conditional UPDATE ... RETURNING that finds the voucher by its
  code hash; the INSERT INTO redemptions; COMMIT. Distinct: thread t uses vouchers t, t+T, ... so
  no two threads share one; hot: every thread redeems from the first voucher.

Python's sqlite3 releases the GIL while SQLite works, and SQLite serialises writers on its lock, so
threads here contend as the service's pooled connections do. Stdlib only.
"""
import datetime
import sqlite3
import sys
import threading
import time
import uuid

# The pragmas src/db/mod.rs DbConnection::open sets on every SQLite connection of the service
# (cache_size = -SQLITE_CACHE_KIB, 16 MiB; only an import raises its own connection's for a while).
PRAGMAS = ("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; "
           "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
           "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;")
JST = datetime.timezone(datetime.timedelta(hours=9))

DONATION = (
    'INSERT INTO "donations" ("id", "kind", "status", "amount", "quantity", "channel", '
    '"donor_name", "donor_name_kana", "donor_email", "donor_phone", "donor_postal_code", '
    '"donor_prefecture", "donor_city", "donor_address_line", "one_stop", "created_at", '
    '"updated_at", "hold_until", "receipt_issue_count") '
    "VALUES (?, 'general', 'pending_payment', 5000, 1, 'official_site', '品川 花子', "
    "'シナガワ ハナコ', 'hanako@example.jp', '06-1234-5678', '530-0001', '大阪府', '大阪市北区', "
    "'梅田1-1-1', 1, ?, ?, ?, 0)")
TERMS = ("0612345678", "5300001", "hanako", "hanako@example.jp", "シナガワ", "シナガワハナコ",
         "ハナコ", "品川", "品川花子", "花子")
INDEX = ('INSERT INTO "donor_search_terms" ("donation_id", "term") VALUES '
         + ", ".join(["(?, ?)"] * len(TERMS)) + " ON CONFLICT DO NOTHING")
TAKE = (
    'UPDATE "vouchers" SET "balance" = "balance" - 1, "updated_at" = ? '
    'WHERE "code_hash" = ? AND "status" = \'active\' AND "expires_at" >= ? AND "balance" >= 1 '
    'RETURNING "id", "balance"')
RECORD = (
    'INSERT INTO "redemptions" ("id", "voucher_id", "partner_id", "amount", "balance_after", '
    '"redeemed_at", "redeemed_on", "redeemed_month") VALUES (?, ?, ?, 1, ?, ?, ?, ?)')


def stamp(t):
    """A naive UTC timestamp as diesel writes it to SQLite."""
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def connect(path):
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.executescript(PRAGMAS)
    return conn


def donation(conn, _state):
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    donation_id = str(uuid.uuid4())
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(DONATION, (donation_id, stamp(now), stamp(now),
                            stamp(now + datetime.timedelta(minutes=60))))
    conn.execute(INDEX, [v for term in TERMS for v in (donation_id, term)])
    conn.execute("COMMIT")


def redemption(conn, state):
    codes, partner_id = state["codes"], state["partner_id"]
    code = codes[state["i"] % len(codes)]
    state["i"] += 1
    now = datetime.datetime.now(datetime.timezone.utc)
    naive = stamp(now.replace(tzinfo=None))
    day = now.astimezone(JST).date()
    conn.execute("BEGIN IMMEDIATE")
    row = conn.execute(TAKE, (naive, code, naive)).fetchone()
    if row is None:
        conn.execute("ROLLBACK")
        raise RuntimeError("nothing taken")
    conn.execute(RECORD, (str(uuid.uuid4()), row[0], partner_id, row[1], naive,
                          day.isoformat(), day.strftime("%Y-%m")))
    conn.execute("COMMIT")


def main():
    path, scenario, threads, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    partner_id = sys.argv[5] if len(sys.argv) > 5 else None
    hashes = [r[0] for r in connect(path).execute('SELECT code_hash FROM vouchers ORDER BY id')]
    if scenario == "redeem-distinct" and len(hashes) < threads:
        # A thread without a voucher of its own would only fail: the run would measure nothing.
        sys.exit(f"sqlite_floor.py: redeem-distinct needs a voucher per thread: "
                 f"{len(hashes)} vouchers, {threads} threads")
    work = donation if scenario == "donation" else redemption
    latencies, failures = [], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(t):
        conn = connect(path)
        if scenario == "redeem-distinct":
            codes = hashes[t::threads]
        else:
            codes = hashes[:1]
        state = {"codes": codes, "partner_id": partner_id, "i": 0}
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                work(conn, state)
                mine.append(time.perf_counter() - started)
            except (sqlite3.Error, RuntimeError):
                failed += 1
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print("RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d failed=%d" % (
        len(latencies) / elapsed, pct(50), pct(90), pct(99),
        latencies[-1] * 1000 if latencies else float("nan"), len(latencies), failures[0]))


if __name__ == "__main__":
    main()
