#!/usr/bin/env python3
"""Donor search benchmark (issue #14): `GET /api/v1/admin/donations?q=` over 1,000,000 donations
on PostgreSQL must be an index lookup on donor_search_terms, not a scan of the donations.

The script:
  1. creates its own PostgreSQL database furusato_bench_search_<pid> (CREATE DATABASE through
     psql; dropped at the end unless --keep);
  2. starts the release binary (`furusato serve`) once with a bootstrap admin: its start-up runs
     the migrations (and the donor search backfill, with nothing to do yet); waits for
     /health/ready;
  3. inserts N synthetic paid donations (default 1,000,000) with INSERT ... SELECT
     generate_series -- names and kana from 20 family and 20 given names, unique phones, shared
     postal codes, receipt numbers -- and their donor search terms, written in SQL exactly as
     domain::search::donor_terms writes them (checked below against the service's own answer);
     then VACUUM ANALYZE;
  4. for each query (--q, repeatable; by default a half-width family name, a hiragana full name
     and a full-width phone number) prints EXPLAIN (ANALYZE, BUFFERS) of the two statements the
     service sends for it (the count and the first page, written by hand to mirror diesel's SQL
     of donations::store::list), and times GET /api/v1/admin/donations?q=... over HTTP (--repeat
     runs after 2 warm-ups: min, median, p95), checking that its total equals the SQL count;
  5. prints EXPLAIN (ANALYZE, BUFFERS) of the start-up backfill's check (donations without
     terms), restarts the service and times start to /health/ready with every donation indexed;
  6. stops the service (SIGTERM to its PID) and drops the database.

Inherited FURUSATO* environment variables are not passed to the service. Python 3 standard
library only (the service helpers of bench/service.py, shared with bench/import.py); needs `psql`.

Usage:
  bench/donor_search.py [--binary target/release/furusato]
                        [--pg postgres://postgres@127.0.0.1:5432/postgres] [--rows 1000000]
                        [--q ｻﾄｳ --q 'さとう はなこ' ...] [--repeat 20] [--port 0] [--keep]
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse

from service import (Failure, Service, bench_parser, check_binary, create_database,
                     database_url, drop_database, free_port, http_call, log, psql, service_env,
                     sign_in)

# (kanji, katakana, romaji): each family name is about 1/20 of the donors, each full name 1/400.
SURNAMES = [
    ("佐藤", "サトウ", "sato"), ("鈴木", "スズキ", "suzuki"), ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"), ("伊藤", "イトウ", "ito"), ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"), ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"), ("加藤", "カトウ", "kato"), ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"), ("佐々木", "ササキ", "sasaki"), ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"), ("井上", "イノウエ", "inoue"), ("木村", "キムラ", "kimura"),
    ("品川", "シナガワ", "shinagawa"), ("斎藤", "サイトウ", "saito"), ("清水", "シミズ", "shimizu"),
]
GIVEN_NAMES = [
    ("太郎", "タロウ", "taro"), ("花子", "ハナコ", "hanako"), ("翔太", "ショウタ", "shota"),
    ("陽菜", "ヒナ", "hina"), ("大輔", "ダイスケ", "daisuke"), ("美咲", "ミサキ", "misaki"),
    ("健一", "ケンイチ", "kenichi"), ("由美子", "ユミコ", "yumiko"), ("拓也", "タクヤ", "takuya"),
    ("恵子", "ケイコ", "keiko"), ("誠", "マコト", "makoto"), ("直美", "ナオミ", "naomi"),
    ("浩二", "コウジ", "koji"), ("裕子", "ユウコ", "yuko"), ("蓮", "レン", "ren"),
    ("結衣", "ユイ", "yui"), ("大翔", "ヒロト", "hiroto"), ("桜", "サクラ", "sakura"),
    ("隆", "タカシ", "takashi"), ("明美", "アケミ", "akemi"),
]
# A common family name alone (~50,000 matches at 1M), a full name (~2,500), one phone (1).
DEFAULT_QUERIES = ["ｻﾄｳ", "さとう　はなこ", "０７０－００１２－３４５６"]

# donations::store::DonationRow, in its order: what the page query selects.
COLUMNS = [
    "id", "kind", "status", "amount", "gift_id", "quantity", "organization_id", "purpose_id",
    "channel", "external_id", "donor_name", "donor_name_kana", "donor_email", "donor_phone",
    "donor_postal_code", "donor_prefecture", "donor_city", "donor_address_line", "one_stop",
    "created_at", "updated_at", "hold_until", "paid_at", "received_on", "payment_method",
    "provider_reference", "receipt_number", "receipt_issue_count", "receipt_voided_at",
    "cancelled_at", "cancel_reason", "refunded_at", "refund_reason", "attention", "import_id",
    "import_flags", "gift_unit_cost", "gift_unit_shipping_cost",
]
HYPHENS = set("-‐‑–—―−ーｰ－")


def search_term(text):
    """domain::search::search_term: NFKC, hiragana to katakana, lower case, no whitespace, no
    hyphens between digits."""
    chars = []
    for c in unicodedata.normalize("NFKC", text):
        if "\u3041" <= c <= "\u3096":
            c = chr(ord(c) + 0x60)
        chars.extend(ch for ch in c.lower() if not ch.isspace())
    term = []
    for i, c in enumerate(chars):
        if c in HYPHENS and term and term[-1].isascii() and term[-1].isdigit():
            rest = next((n for n in chars[i + 1:] if n not in HYPHENS), "")
            if rest.isascii() and rest.isdigit():
                continue
        term.append(c)
    return "".join(term)


def query_words(q):
    """domain::search::donor_query: the words' terms, sorted, once each."""
    return sorted({w for w in (search_term(p) for p in q.split()) if w})


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def where(words):
    """The WHERE of donations::search_terms::narrow, as diesel writes a boxed query's filters:
    the first alone, each further one as (previous AND next)."""
    clause = None
    for w in words:
        one = ('"donations"."id" IN (SELECT "donor_search_terms"."donation_id" FROM '
               f'"donor_search_terms" WHERE "donor_search_terms"."term" = {literal(w)})')
        clause = one if clause is None else f"({clause} AND {one})"
    return clause


def count_sql(words):
    return f'SELECT COUNT(*) FROM "donations" WHERE {where(words)}'


def page_sql(words, per_page=20):
    columns = ", ".join(f'"donations"."{c}"' for c in COLUMNS)
    return (f'SELECT {columns} FROM "donations" WHERE {where(words)} '
            'ORDER BY "donations"."created_at" DESC, "donations"."id" ASC '
            f"LIMIT {per_page} OFFSET 0")


# donations::search_terms::backfill's first read (start-up), with nothing left to index.
BACKFILL_CHECK_SQL = (
    'SELECT "donations"."id", "donations"."donor_name", "donations"."donor_name_kana", '
    '"donations"."donor_email", "donations"."donor_phone", "donations"."donor_postal_code", '
    '"donations"."receipt_number", "donations"."external_id" FROM "donations" '
    "WHERE (\"donations\".\"id\" > '' AND NOT EXISTS (SELECT 1 FROM donor_search_terms "
    "WHERE donor_search_terms.donation_id = donations.id)) "
    'ORDER BY "donations"."id" ASC LIMIT 1000'
)


def names_sql(table, names):
    rows = ", ".join(f"({i}, {literal(k)}, {literal(kana)}, {literal(r)})"
                     for i, (k, kana, r) in enumerate(names))
    return (f"CREATE TEMP TABLE {table} (n int PRIMARY KEY, kanji text, kana text, romaji text); "
            f"INSERT INTO {table} VALUES {rows};")


def donations_sql(rows):
    """N paid general donations, deterministic: donor i has family name i mod 20 and given name
    (i div 20) mod 20 (each of the 400 full names equally often), a unique mobile number
    0X0-MMMM-LLLL and a postal code shared with others."""
    s, g = len(SURNAMES), len(GIVEN_NAMES)
    return f"""
{names_sql('bench_surnames', SURNAMES)}
{names_sql('bench_given', GIVEN_NAMES)}
INSERT INTO donations (id, kind, status, amount, quantity, channel, donor_name, donor_name_kana,
    donor_email, donor_phone, donor_postal_code, donor_prefecture, donor_city, donor_address_line,
    one_stop, created_at, updated_at, paid_at, received_on, payment_method, receipt_number,
    receipt_issue_count)
SELECT md5('bench-' || i)::uuid::text, 'general', 'paid', 10000, 1, 'web',
    s.kanji || ' ' || g.kanji, s.kana || ' ' || g.kana,
    g.romaji || '.' || s.romaji || i || '@example.jp',
    '0' || (7 + i % 3) || '0-' || lpad(((i / 10000) % 10000)::text, 4, '0') || '-'
        || lpad((i % 10000)::text, 4, '0'),
    lpad((100 + i % 900)::text, 3, '0') || '-' || lpad(((i * 37) % 10000)::text, 4, '0'),
    '大阪府', '大阪市北区', '梅田1-1-1', false,
    made, made, made, made::date, 'card',
    'R6-' || CASE WHEN i < 100000 THEN lpad(i::text, 6, '0') ELSE i::text END, 1
FROM generate_series(1, {rows}) AS i
CROSS JOIN LATERAL (SELECT timestamp '2024-04-01 00:00' + i * interval '30 seconds' AS made) t
JOIN bench_surnames s ON s.n = i % {s}
JOIN bench_given g ON g.n = (i / {s}) % {g};
"""


# domain::search::donor_terms in SQL for these donors: their fields need no width or kana folding
# (full-width katakana, ASCII), only the spaces and the hyphens between digits go.
TERMS_SQL = """
INSERT INTO donor_search_terms (donation_id, term)
SELECT d.id, t.term FROM donations d
CROSS JOIN LATERAL (VALUES
    (replace(d.donor_name, ' ', '')), (split_part(d.donor_name, ' ', 1)),
    (split_part(d.donor_name, ' ', 2)),
    (replace(d.donor_name_kana, ' ', '')), (split_part(d.donor_name_kana, ' ', 1)),
    (split_part(d.donor_name_kana, ' ', 2)),
    (lower(d.donor_email)), (split_part(lower(d.donor_email), '@', 1)),
    (replace(d.donor_phone, '-', '')), (replace(d.donor_postal_code, '-', '')),
    (lower(replace(d.receipt_number, '-', '')))
) AS t(term)
WHERE t.term <> ''
ON CONFLICT DO NOTHING;
"""


def explain(url, title, sql):
    plan = psql(url, f"EXPLAIN (ANALYZE, BUFFERS) {sql};", capture=True)
    print(f"\n--- {title}\n{sql}\n\n{plan}", flush=True)


def timed_search(port, token, q, repeat):
    path = "/api/v1/admin/donations?" + urllib.parse.urlencode({"q": q})
    headers = {"authorization": "Bearer " + token}
    times, total = [], None
    for n in range(repeat + 2):
        started = time.perf_counter()
        status, raw = http_call(port, "GET", path, headers=headers)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise Failure(f"GET {path}: {status} {raw[:500].decode(errors='replace')}")
        if n >= 2:  # two warm-ups
            times.append(elapsed)
        total = json.loads(raw)["total"]
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return total, times[0], statistics.median(times), p95


def start(args, port, workdir, env):
    service = Service(args.binary, port, workdir, env)
    started = time.perf_counter()
    service.wait_ready(seconds=args.ready_timeout)
    return service, time.perf_counter() - started


def run(args):
    workdir = tempfile.mkdtemp(prefix="furusato-bench-search-")
    port = args.port or free_port()
    db_name = f"furusato_bench_search_{os.getpid()}"
    db_url = database_url(args.pg, db_name)
    env = service_env(port, FURUSATO__DATABASE__URL=db_url)
    create_database(args.pg, db_name)
    service = None
    try:
        log(f"starting {args.binary} on 127.0.0.1:{port} (migrations), work dir {workdir}")
        service, _ = start(args, port, workdir, env)

        started = time.perf_counter()
        log(f"inserting {args.rows:,} donations")
        psql(db_url, donations_sql(args.rows))
        log(f"donations in {time.perf_counter() - started:.0f}s; writing their terms")
        started = time.perf_counter()
        psql(db_url, TERMS_SQL)
        log(f"terms in {time.perf_counter() - started:.0f}s; VACUUM ANALYZE")
        psql(db_url, "VACUUM ANALYZE donations")
        psql(db_url, "VACUUM ANALYZE donor_search_terms")
        terms = psql(db_url, "SELECT count(*) FROM donor_search_terms", capture=True).strip()
        log(f"{int(terms):,} terms")

        token = sign_in(port)
        results = []
        for q in args.q:
            words = query_words(q)
            if not words:
                raise Failure(f"the query {q!r} has no word")
            explain(db_url, f"count for q={q!r} (terms {words})", count_sql(words))
            explain(db_url, f"first page for q={q!r}", page_sql(words))
            expected = int(psql(db_url, count_sql(words) + ";", capture=True).strip())
            total, fastest, median, p95 = timed_search(port, token, q, args.repeat)
            if total != expected:
                raise Failure(f"q={q!r}: the service found {total}, the SQL counts {expected}: "
                              "the terms written here differ from domain::search::donor_terms")
            results.append((q, total, fastest, median, p95))

        explain(db_url, "start-up backfill check (every donation indexed)", BACKFILL_CHECK_SQL)
        service.stop()
        service = None
        log("restarting the service with every donation indexed")
        service, ready_s = start(args, port, workdir, env)

        print(f"\n{args.rows:,} donations, {int(terms):,} terms; HTTP GET "
              f"/api/v1/admin/donations?q=... ({args.repeat} runs after 2 warm-ups, loopback)")
        print(f"{'q':<28} {'total':>8} {'min ms':>8} {'median ms':>10} {'p95 ms':>8}")
        for q, total, fastest, median, p95 in results:
            print(f"{q:<28} {total:>8,} {fastest * 1000:>8.1f} {median * 1000:>10.1f} {p95 * 1000:>8.1f}")
        print(f"start-up to ready with every donation indexed: {ready_s:.2f}s")
    except Exception:
        if service is not None:
            sys.stderr.write(f"--- last lines of {service.log_path} ---\n{service.tail()}\n")
        raise
    finally:
        if service is not None:
            service.stop()
        if args.keep:
            log(f"kept database {db_name} and {workdir}")
        else:
            drop_database(args.pg, db_name)


def main():
    p = bench_parser(__doc__)
    p.add_argument("--rows", type=int, default=1_000_000, help="donations (default 1000000)")
    p.add_argument("--q", action="append", default=None,
                   help=f"a search as staff type it (repeatable; default {DEFAULT_QUERIES})")
    p.add_argument("--repeat", type=int, default=20, help="timed HTTP requests per query")
    p.add_argument("--port", type=int, default=0, help="service port (default: a free one)")
    p.add_argument("--ready-timeout", type=float, default=300, help="seconds to wait for /health/ready")
    p.add_argument("--keep", action="store_true", help="keep the database and the work dir")
    args = p.parse_args()
    args.q = args.q or DEFAULT_QUERIES
    if args.rows < 1 or args.repeat < 1:
        p.error("--rows and --repeat must be at least 1")
    check_binary(p, args)
    # A SIGTERM unwinds through the finally blocks: service stopped, database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(args)
    except (Failure, OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"FAILED: {e}")


if __name__ == "__main__":
    main()
