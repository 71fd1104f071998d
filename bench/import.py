#!/usr/bin/env python3
"""Portal import benchmark (issue #12 defect 6): one portal CSV file of N rows (100,000 by
default) imported, then imported again, on each engine, through the real HTTP API.

For each engine (SQLite embedded, PostgreSQL) the script:
  1. prepares a fresh database: a temporary SQLite file, or on PostgreSQL its own database
     furusato_bench_import_<pid> (CREATE DATABASE through psql, dropped at the end);
  2. starts the release binary (`furusato serve`) on 127.0.0.1 with a bootstrap admin and the
     demo catalogue (FURUSATO__DEMO=true on a fresh database), and waits for /health/ready;
  3. signs in (POST /api/v1/auth/login) and checks that the gift codes, organisations and usage
     purposes the file names are in the catalogue;
  4. POST /api/v1/admin/imports/donations?channel=rakuten&file_name=... with the CSV file itself
     as the body (Content-Type: text/csv; the route takes no multipart) -- timed;
  5. the same request again -- timed; it must import 0 rows and skip all of them;
  6. checks the counts of both answers, GET /api/v1/admin/imports (2 imports recorded) and
     GET /api/v1/admin/donations?channel=rakuten (N donations), then stops the service (SIGTERM
     to its PID) and removes its database.

The file is generated deterministically (--seed): Japanese donors from 20 places across Japan
(about 2 % of them in 東京都品川区, the demo municipality, so gift and on-site rows of theirs
come back flagged `resident_gift`), receipt dates in fiscal 2024 with the December peak, about
1/3 `gift` rows naming a gift of the demo catalogue at its amount, about 12 % `support` rows
naming a demo organisation, 9 % `on_site`, the rest `general`; 60 % name a usage purpose;
distinct external ids. All 16 documented columns, in the documented order.

The service's default upload limit (server.upload_limit_bytes, 10 MiB) is smaller than a
100,000-row file (~25 MB). When the file is larger than the limit the script raises it for its own
service only, through FURUSATO__SERVER__UPLOAD_LIMIT_BYTES, and says so.

Inherited FURUSATO* environment variables are NOT passed to the service (so that the settings are
the built-in defaults plus the ones listed here); add settings with --env KEY=VALUE.

Prints a table (engine, rows, first import s, re-import s) and appends one markdown table row per
engine to bench/results/<UTC date>/import.md (--no-md to skip, --md PATH elsewhere).

Python 3 standard library only; needs `psql` for the PostgreSQL run.

Usage:
  bench/import.py [--binary target/release/furusato]
                  [--pg postgres://postgres@127.0.0.1:5432/postgres] [--rows 100000]
                  [--engines sqlite,postgres] [--port 0] [--keep] [--no-md]
"""
import csv
import datetime
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

from service import (BENCH, REPO, Failure, Service, bench_parser, check_binary,
                     create_database, database_url, drop_database, free_port, json_call, log,
                     service_env, sign_in)

MIB = 1024 * 1024
# config/default.toml server.upload_limit_bytes, if the file cannot be read.
DEFAULT_UPLOAD_LIMIT = 10_485_760

# The columns of src/domain/portal_import.rs COLUMNS, in the documented order.
HEADER = [
    "external_id", "received_on", "amount", "kind", "gift_code", "organization", "purpose",
    "donor_name", "donor_name_kana", "donor_email", "donor_phone", "donor_postal_code",
    "donor_prefecture", "donor_city", "donor_address_line", "one_stop",
]

# Gifts of the demo catalogue (src/demo.rs GIFTS): code -> donation amount. The on-site
# e-voucher gifts (ONS-*) are left out: a portal sells its own on-site items (kind on_site).
DEMO_GIFTS = {
    "EXP-001": 50_000, "EXP-002": 100_000, "EXP-003": 34_000, "EXP-004": 30_000,
    "EXP-005": 40_000, "EXP-006": 15_000, "EXP-007": 20_000,
    "TRV-001": 30_000, "TRV-002": 50_000, "TRV-003": 100_000, "TRV-004": 50_000,
    "TRV-005": 100_000,
    "PRD-001": 15_000, "PRD-002": 20_000, "PRD-003": 17_000, "PRD-004": 12_000,
    "PRD-005": 22_000, "PRD-006": 40_000, "PRD-007": 60_000, "PRD-008": 15_000,
    "PRD-009": 30_000, "PRD-010": 12_000,
}
# src/demo.rs ORGANIZATIONS (a support row names one by its exact name).
DEMO_ORGANIZATIONS = [
    "学校法人 香蘭女学校", "学校法人 清泉女学院", "学校法人 明晴学園", "学校法人 星薬科大学",
    "学校法人 杉野学園", "学校法人 品川女子学院", "学校法人 攻玉社学園", "学校法人 立正大学学園",
    "学校法人 昭和大学", "学校法人 文教大学学園", "学校法人 青蓮学園", "学校法人 朋優学院",
    "学校法人 小野学園", "学校法人 青葉学園", "学校法人 日本音楽学校",
]
# src/demo.rs PURPOSES.
DEMO_PURPOSES = [
    "防災・減災", "子育て・教育", "区政全般（区長におまかせ）", "文化・観光", "環境・みどり",
    "高齢者・障害者福祉",
]

# (kanji, katakana, romaji)
SURNAMES = [
    ("佐藤", "サトウ", "sato"), ("鈴木", "スズキ", "suzuki"), ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"), ("伊藤", "イトウ", "ito"), ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"), ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"), ("加藤", "カトウ", "kato"), ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"), ("佐々木", "ササキ", "sasaki"), ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"), ("井上", "イノウエ", "inoue"), ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"), ("斎藤", "サイトウ", "saito"), ("清水", "シミズ", "shimizu"),
    ("山崎", "ヤマザキ", "yamazaki"), ("森", "モリ", "mori"), ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"), ("阿部", "アベ", "abe"), ("石川", "イシカワ", "ishikawa"),
    ("山下", "ヤマシタ", "yamashita"), ("中島", "ナカジマ", "nakajima"), ("石井", "イシイ", "ishii"),
    ("小川", "オガワ", "ogawa"), ("前田", "マエダ", "maeda"), ("岡田", "オカダ", "okada"),
    ("長谷川", "ハセガワ", "hasegawa"), ("藤田", "フジタ", "fujita"), ("後藤", "ゴトウ", "goto"),
    ("近藤", "コンドウ", "kondo"), ("村上", "ムラカミ", "murakami"), ("遠藤", "エンドウ", "endo"),
    ("青木", "アオキ", "aoki"), ("坂本", "サカモト", "sakamoto"),
]
GIVEN_NAMES = [
    ("太郎", "タロウ", "taro"), ("花子", "ハナコ", "hanako"), ("翔太", "ショウタ", "shota"),
    ("陽菜", "ヒナ", "hina"), ("大輔", "ダイスケ", "daisuke"), ("美咲", "ミサキ", "misaki"),
    ("健一", "ケンイチ", "kenichi"), ("由美子", "ユミコ", "yumiko"), ("拓也", "タクヤ", "takuya"),
    ("恵子", "ケイコ", "keiko"), ("誠", "マコト", "makoto"), ("直美", "ナオミ", "naomi"),
    ("浩二", "コウジ", "koji"), ("裕子", "ユウコ", "yuko"), ("蓮", "レン", "ren"),
    ("結衣", "ユイ", "yui"), ("大翔", "ヒロト", "hiroto"), ("さくら", "サクラ", "sakura"),
    ("隆", "タカシ", "takashi"), ("明美", "アケミ", "akemi"), ("和也", "カズヤ", "kazuya"),
    ("真由美", "マユミ", "mayumi"), ("悠人", "ユウト", "yuto"), ("愛", "アイ", "ai"),
    ("修", "オサム", "osamu"), ("智子", "トモコ", "tomoko"), ("亮", "リョウ", "ryo"),
    ("千尋", "チヒロ", "chihiro"), ("剛", "ツヨシ", "tsuyoshi"), ("久美子", "クミコ", "kumiko"),
]
# (weight, prefecture, city, postal code's first 3 digits, landline area code, towns)
PLACES = [
    (10, "東京都", "世田谷区", "154", "03", ["太子堂", "三軒茶屋", "桜新町", "用賀"]),
    (6, "東京都", "目黒区", "152", "03", ["中目黒", "自由が丘", "祐天寺"]),
    (6, "東京都", "大田区", "144", "03", ["蒲田", "大森北", "田園調布"]),
    (2, "東京都", "品川区", "141", "03", ["大井", "戸越", "西五反田", "東品川"]),
    (8, "神奈川県", "横浜市港北区", "222", "045", ["日吉", "綱島西", "大倉山"]),
    (5, "神奈川県", "川崎市中原区", "211", "044", ["小杉町", "新丸子東", "木月"]),
    (5, "埼玉県", "さいたま市浦和区", "330", "048", ["高砂", "常盤", "岸町"]),
    (4, "千葉県", "船橋市", "273", "047", ["本町", "湊町", "前原西"]),
    (7, "大阪府", "大阪市北区", "530", "06", ["梅田", "天神橋", "中崎"]),
    (4, "大阪府", "豊中市", "560", "06", ["本町", "岡町", "服部元町"]),
    (4, "京都府", "京都市左京区", "606", "075", ["下鴨", "北白川", "岡崎"]),
    (4, "兵庫県", "神戸市中央区", "650", "078", ["三宮町", "元町通", "北野町"]),
    (6, "愛知県", "名古屋市中区", "460", "052", ["栄", "錦", "大須"]),
    (5, "福岡県", "福岡市中央区", "810", "092", ["天神", "大名", "赤坂"]),
    (4, "北海道", "札幌市中央区", "060", "011", ["北一条西", "南三条西", "大通西"]),
    (3, "宮城県", "仙台市青葉区", "980", "022", ["一番町", "国分町", "本町"]),
    (3, "広島県", "広島市中区", "730", "082", ["紙屋町", "八丁堀", "大手町"]),
    (2, "静岡県", "静岡市葵区", "420", "054", ["呉服町", "紺屋町", "鷹匠"]),
    (2, "新潟県", "新潟市中央区", "951", "025", ["古町通", "西堀通", "東堀通"]),
    (2, "沖縄県", "那覇市", "900", "098", ["久茂地", "松山", "泉崎"]),
]
BUILDINGS = ["パークハウス", "グランドメゾン", "ライオンズマンション", "コーポ", "ハイツ"]
EMAIL_DOMAINS = ["example.jp", "example.com", "example.net", "example.org"]
# The municipality of config/default.toml: donors living here and asking for a return are flagged.
HOME = ("東京都", "品川区")
FY_START = datetime.date(2024, 4, 1)
FY_DAYS = 365  # 2024-04-01 .. 2025-03-31


def generate(rows, seed, channel_prefix="RKT"):
    """The CSV rows (lists of str) and what the service should answer for the first import."""
    rng = random.Random(seed)
    place_weights = [p[0] for p in PLACES]
    gift_codes = sorted(DEMO_GIFTS)
    out = []
    kinds = {"gift": 0, "support": 0, "on_site": 0, "general": 0}
    flagged = 0
    december = [datetime.date(2024, 12, d) for d in range(1, 32)]
    for i in range(rows):
        # Receipt date: a third in December (the year-end peak), the rest across fiscal 2024.
        if rng.random() < 0.35:
            received = rng.choice(december)
        else:
            received = FY_START + datetime.timedelta(days=rng.randrange(FY_DAYS))
        r = rng.random()
        gift_code = organization = ""
        if r < 1 / 3:
            kind = "gift"
            gift_code = rng.choice(gift_codes)
            amount = DEMO_GIFTS[gift_code]
        elif r < 1 / 3 + 0.12:
            kind = "support"
            organization = rng.choice(DEMO_ORGANIZATIONS)
            amount = rng.choice([10_000, 20_000, 30_000, 50_000])
        elif r < 1 / 3 + 0.21:
            kind = "on_site"
            amount = rng.choice([10_000, 30_000, 50_000, 100_000])
        else:
            kind = "general"
            amount = rng.choice([3_000, 5_000, 10_000, 10_000, 20_000, 30_000, 50_000, 100_000])
        kinds[kind] += 1
        purpose = rng.choice(DEMO_PURPOSES) if rng.random() < 0.6 else ""
        sur = rng.choice(SURNAMES)
        given = rng.choice(GIVEN_NAMES)
        _, pref, city, postal3, area, towns = rng.choices(PLACES, weights=place_weights)[0]
        town = rng.choice(towns)
        address = f"{town}{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
        if rng.random() < 0.4:
            address += f" {rng.choice(BUILDINGS)}{town} {rng.randint(1, 12)}{rng.randint(1, 15):02d}号室"
        if rng.random() < 0.6:
            phone = f"0{rng.choice('789')}0-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
        elif len(area) == 2:
            phone = f"{area}-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
        else:
            phone = f"{area}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
        email = f"{given[2]}.{sur[2]}{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
        if kind in ("gift", "on_site") and (pref, city) == HOME:
            flagged += 1
        out.append([
            f"{channel_prefix}-{received:%Y%m%d}-{i + 1:07d}",
            f"{received:%Y/%m/%d}",
            str(amount),
            kind,
            gift_code,
            organization,
            purpose,
            f"{sur[0]} {given[0]}",
            f"{sur[1]} {given[1]}",
            email,
            phone,
            f"{postal3}-{rng.randint(0, 9999):04d}",
            pref,
            city,
            address,
            "はい" if rng.random() < 0.35 else "いいえ",
        ])
    return out, kinds, flagged


def to_csv(rows, newline, encoding):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def default_upload_limit():
    try:
        with open(os.path.join(REPO, "config", "default.toml"), encoding="utf-8") as f:
            m = re.search(r"^upload_limit_bytes\s*=\s*(\d+)", f.read(), re.M)
            return int(m.group(1)) if m else DEFAULT_UPLOAD_LIMIT
    except OSError:
        return DEFAULT_UPLOAD_LIMIT


def git_commit():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src",
                                "migrations", "Cargo.toml", "Cargo.lock"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def timed_upload(port, token, path, body, content_type, timeout):
    """POSTs the file; returns (seconds, status, parsed answer). The TCP connection is opened
    before the clock starts; the time runs until the whole answer has been read."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.connect()
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers={
            "content-type": content_type,
            "authorization": "Bearer " + token,
        })
        res = conn.getresponse()
        raw = res.read()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = raw[:2000].decode(errors="replace")
    return elapsed, res.status, answer


def describe_rejection(status, answer):
    if isinstance(answer, dict):
        lines = [f"{status} {answer.get('code')}: {answer.get('detail')}"]
        for e in (answer.get("errors") or [])[:10]:
            lines.append(f"  line {e.get('line')} {e.get('field')}: {e.get('message')}")
        return "\n".join(lines)
    return f"{status}: {answer}"


def check_counts(answer, want, what):
    got = {k: answer.get(k) for k in want}
    if got != want:
        raise Failure(f"{what}: expected {want}, got {got}")


def check_catalogue(port, token):
    """The codes and names the file uses must be in the catalogue (the demo data set)."""
    gifts = json_call(port, "GET", "/api/v1/admin/gifts?per_page=100", 200, token=token)
    codes = {g["code"] for g in gifts["items"]}
    orgs = {o["name"] for o in json_call(port, "GET", "/api/v1/organizations?per_page=100", 200)["items"]}
    purposes = {p["name"] for p in json_call(port, "GET", "/api/v1/purposes?per_page=100", 200)["items"]}
    missing = (sorted(set(DEMO_GIFTS) - codes) + sorted(set(DEMO_ORGANIZATIONS) - orgs)
               + sorted(set(DEMO_PURPOSES) - purposes))
    if missing:
        raise Failure("the catalogue lacks what the file names (is the demo data set loaded? it is "
                      f"only loaded into an empty database with demo = true): {missing[:10]}")


def run_engine(engine, args, body, expected, upload_env):
    """One engine: fresh database, service, sign-in, two timed imports, checks, cleanup."""
    workdir = tempfile.mkdtemp(prefix=f"furusato-bench-import-{engine}-", dir=args.work)
    port = args.port or free_port()
    db_name = None
    service = None
    env = service_env(port, FURUSATO__DEMO="true")
    env.update(upload_env)
    if engine == "sqlite":
        env["FURUSATO__DATABASE__URL"] = "sqlite://" + os.path.join(workdir, "bench.sqlite3")
    else:
        db_name = f"furusato_bench_import_{os.getpid()}"
        create_database(args.pg, db_name)
        env["FURUSATO__DATABASE__URL"] = database_url(args.pg, db_name)
    for kv in args.env:
        key, _, value = kv.partition("=")
        env[key] = value
    try:
        log(f"{engine}: starting {args.binary} on 127.0.0.1:{port} (work dir {workdir})")
        service = Service(args.binary, port, workdir, env)
        service.wait_ready()
        token = sign_in(port)
        check_catalogue(port, token)
        path = (f"/api/v1/admin/imports/donations?channel={args.channel}"
                f"&file_name={urllib.parse.quote(args.file_name)}")
        content_type = "text/csv; charset=" + ("shift_jis" if args.encoding == "cp932" else "utf-8")
        n = args.rows

        load1 = loadavg()
        log(f"{engine}: first import of {n} rows ({len(body):,} bytes), load1 {load1}")
        first_s, status, answer = timed_upload(port, token, path, body, content_type, args.timeout)
        if status != 201:
            raise Failure(f"{engine} first import: {describe_rejection(status, answer)}")
        check_counts(answer, {"channel": args.channel, "rows": n, "imported": n, "skipped": 0,
                              "flagged": expected["flagged"]}, f"{engine} first import")
        log(f"{engine}: first import {first_s:.2f}s {answer}")

        # The import's search terms are written after it answers; a staff search waits for them
        # (`search_terms::catch_up`). Timing a search for the file's last row right away gives
        # when every imported donor can be found.
        last_id = last_external_id(body, args.encoding)
        started = time.monotonic()
        found = json_call(port, "GET", f"/api/v1/admin/donations?q={urllib.parse.quote(last_id)}"
                          "&per_page=1", 200, token=token)
        search_s = time.monotonic() - started
        if found["total"] != 1:
            raise Failure(f"{engine}: a search for {last_id} found {found['total']} donations, expected 1")
        log(f"{engine}: the last row found by a search {search_s:.2f}s after the import answered")

        log(f"{engine}: re-import of the same file")
        again_s, status, answer = timed_upload(port, token, path, body, content_type, args.timeout)
        if status != 201:
            raise Failure(f"{engine} re-import: {describe_rejection(status, answer)}")
        check_counts(answer, {"channel": args.channel, "rows": n, "imported": 0, "skipped": n,
                              "flagged": 0}, f"{engine} re-import")
        log(f"{engine}: re-import {again_s:.2f}s {answer}")

        imports = json_call(port, "GET", "/api/v1/admin/imports?per_page=10", 200, token=token)
        if imports["total"] != 2:
            raise Failure(f"{engine}: {imports['total']} imports recorded, expected 2")
        donations = json_call(port, "GET", f"/api/v1/admin/donations?channel={args.channel}&per_page=1",
                              200, token=token)
        if donations["total"] != n:
            raise Failure(f"{engine}: {donations['total']} {args.channel} donations in the ledger, expected {n}")
        return first_s, first_s + search_s, again_s, load1
    except Exception:
        if service is not None:
            sys.stderr.write(f"--- last lines of {service.log_path} ---\n{service.tail()}\n")
        raise
    finally:
        if service is not None:
            service.stop()
        if db_name and not args.keep:
            drop_database(args.pg, db_name)
        if args.keep:
            log(f"{engine}: kept {workdir}" + (f" and database {db_name}" if db_name else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def last_external_id(body, encoding):
    """The external id (first column) of the file's last row."""
    text = body.decode("cp932" if encoding == "cp932" else "utf-8-sig")
    last = [line for line in text.splitlines() if line.strip()][-1]
    return next(csv.reader([last]))[0]


def loadavg():
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def write_markdown(path, commit, results, rows, size):
    new = not os.path.exists(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        if new:
            f.write("# Portal import benchmark (`bench/import.py`)\n\n"
                    "One portal CSV file imported through `POST /api/v1/admin/imports/donations`, then the\n"
                    "same file again (imports 0, skips all). Wall time of each request, loopback.\n"
                    "`searchable s`: from sending the file until a search finds its last row (the\n"
                    "import's donor search terms are written after it answers).\n\n")
        f.write("\n| date (UTC) | commit | engine | rows | file bytes | first import s | searchable s | re-import s | load1 before |\n"
                "|---|---|---|---:|---:|---:|---:|---:|---:|\n")
        date = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
        for engine, (first_s, searchable_s, again_s, load1) in results:
            f.write(f"| {date} | {commit} | {engine} | {rows:,} | {size:,} | {first_s:.2f} | "
                    f"{searchable_s:.2f} | {again_s:.2f} | {load1} |\n")


def main():
    p = bench_parser(__doc__)
    p.add_argument("--rows", type=int, default=100_000, help="data rows in the file (default 100000)")
    p.add_argument("--engines", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    p.add_argument("--channel", default="rakuten", help="import channel (default rakuten)")
    p.add_argument("--seed", type=int, default=20241201, help="seed of the generated file")
    p.add_argument("--encoding", choices=["utf-8", "cp932"], default="utf-8",
                   help="file encoding: utf-8 (default) or cp932 (Shift_JIS, as Excel saves)")
    p.add_argument("--newline", choices=["crlf", "lf"], default="crlf",
                   help="line ends of the file (default crlf, as Windows exports)")
    p.add_argument("--port", type=int, default=0, help="service port (default: a free one)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds allowed per import request")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                   help="an extra environment variable for the service (repeatable)")
    p.add_argument("--work", default=None, help="parent directory of the work dirs (default: system temp)")
    p.add_argument("--keep", action="store_true", help="keep work dirs (SQLite file, logs, CSV) and the PG database")
    p.add_argument("--md", default=None, help="markdown file to append to (default bench/results/<UTC date>/import.md)")
    p.add_argument("--no-md", action="store_true", help="do not write the markdown result")
    p.add_argument("--tsv", default=None, help="also append 'label<TAB>result' lines here (used by run_all.sh)")
    args = p.parse_args()

    engines = []
    for e in args.engines.split(","):
        e = {"postgresql": "postgres", "pg": "postgres"}.get(e.strip(), e.strip())
        if e not in ("sqlite", "postgres"):
            p.error(f"unknown engine {e!r}")
        engines.append(e)
    if args.rows < 1:
        p.error("--rows must be at least 1")
    check_binary(p, args)
    if args.work:
        os.makedirs(args.work, exist_ok=True)
    args.file_name = f"bench-import-{args.rows}.csv"

    # A SIGTERM (e.g. from a wrapper) unwinds through the finally blocks: service stopped, DB dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.perf_counter()
    rows, kinds, flagged = generate(args.rows, args.seed)
    body = to_csv(rows, "\r\n" if args.newline == "crlf" else "\n", args.encoding)
    del rows
    log(f"generated {args.rows:,} rows, {len(body):,} bytes ({args.encoding}, {args.newline}) in "
        f"{time.perf_counter() - started:.1f}s: {kinds}, {flagged} to be flagged resident_gift")

    upload_env = {}
    limit = default_upload_limit()
    if len(body) > limit:
        raised = (len(body) // MIB + 2) * MIB
        upload_env["FURUSATO__SERVER__UPLOAD_LIMIT_BYTES"] = str(raised)
        log(f"the file ({len(body):,} bytes) is larger than the default upload limit "
            f"server.upload_limit_bytes = {limit:,}: this benchmark's service runs with "
            f"FURUSATO__SERVER__UPLOAD_LIMIT_BYTES={raised}")

    results = []
    try:
        for engine in engines:
            results.append((engine, run_engine(engine, args, body, {"flagged": flagged}, upload_env)))
    except (Failure, OSError, http.client.HTTPException, subprocess.CalledProcessError) as e:
        sys.exit(f"FAILED: {e}")

    print()
    print(f"{'engine':<10} {'rows':>9} {'first import s':>15} {'searchable s':>13} {'re-import s':>12}")
    for engine, (first_s, searchable_s, again_s, _) in results:
        print(f"{engine:<10} {args.rows:>9,} {first_s:>15.2f} {searchable_s:>13.2f} {again_s:>12.2f}")
    print(f"(file {len(body):,} bytes, {args.encoding}, {args.newline}; channel {args.channel}; "
          f"seed {args.seed}" + (f"; upload limit raised to {upload_env['FURUSATO__SERVER__UPLOAD_LIMIT_BYTES']}"
                                 if upload_env else "") + ")")

    if args.tsv:
        with open(args.tsv, "a", encoding="utf-8") as f:
            for engine, (first_s, searchable_s, again_s, load1) in results:
                f.write(f"import-{engine}\trows={args.rows} bytes={len(body)} first_s={first_s:.3f} "
                        f"searchable_s={searchable_s:.3f} reimport_s={again_s:.3f} load1_before={load1}\n")
    if not args.no_md:
        path = args.md or os.path.join(BENCH, "results", time.strftime("%Y-%m-%d", time.gmtime()), "import.md")
        write_markdown(path, git_commit(), results, args.rows, len(body))
        log(f"appended to {path}")


if __name__ == "__main__":
    main()
