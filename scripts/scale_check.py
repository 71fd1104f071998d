#!/usr/bin/env python3
"""Two instances of furusato on one PostgreSQL database stay exact. No docker: the built binary is
started twice on 127.0.0.1 and driven through the public API only (Python 3 stdlib, no packages).

    scripts/scale_check.py [BINARY] [POSTGRES_URL] [--donations N] [--timeout S] [--keep]

    BINARY        the built service (default: target/release/furusato)
    POSTGRES_URL  a server where this user may create databases
                  (default: postgres://postgres@127.0.0.1:5432/postgres)

It creates a fresh database furusato_scale_<pid> (with psql), starts the binary twice on it (two
free ports on 127.0.0.1, the same random secrets and bootstrap admin through FURUSATO__...
variables, emails written as .eml files into one shared directory), waits for /health/ready on
both, then checks:

  payments     N general donations made alternately on each instance (some sent to both at once,
               some replayed on the other instance, under one Idempotency-Key: one donation each);
               each one's signed payment webhook delivered to BOTH instances at once (every fourth
               also redelivered under a second event id): every donation paid exactly once,
               receipt numbers distinct and gapless, the monthly report's fiscal-year and month
               totals (read on both) equal to the sum, the admin list's paid count.
  vouchers     two on-site donations paid the same way issue two vouchers. Many redemptions of one
               voucher at once, split over both instances, asking more than its face value: the
               accepted ones sum to at most the face value and to exactly face value - remaining
               balance, each balance_after follows from the one before (no lost update), every
               refusal is insufficient_balance for more than what was left. On the other voucher:
               one partner Idempotency-Key replayed on the other instance (and sent to both at
               once) gives the same redemption, a changed body under it is refused, one redemption
               reversed on both instances at once comes back once; the partner's statement matches.
  rate limit   unknown voucher codes looked up alternately on both instances are counted together:
               after vouchers.max_unknown_lookups (10) both instances answer 429.
  ledger       the receipt-number and report checks again, over every payment of the run.
  outbox       every queued email is sent once by the two workers together: one thank-you per
               paid donation, one voucher email per voucher, one welcome per partner; the .eml
               files match the outbox's Message-IDs one to one.

It prints one line per check and a summary, exits 1 on any mismatch (2 if it could not set up),
and always stops both instances (by PID) and drops its database; the whole run is bounded by
--timeout (120 s). Instance logs are kept (path printed) when something failed or with --keep.
"""
import argparse
import concurrent.futures as cf
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))
HTTP_TIMEOUT = 20
DONOR = {"name": "品川 花子", "name_kana": "シナガワ ハナコ", "email": "hanako@example.jp",
         "phone": "06-1234-5678", "postal_code": "530-0001", "prefecture": "大阪府",
         "city": "大阪市北区", "address_line": "梅田1-1-1"}
# Settings the checks rely on; passed to both instances explicitly.
VOUCHER_RATIO_BP = 3000          # vouchers.ratio_basis_points
VOUCHER_TIER = 10_000            # one of vouchers.tiers: a ¥3,000 voucher
MAX_UNKNOWN_LOOKUPS = 10         # vouchers.max_unknown_lookups (per 600 s)
# Voucher codes: 19 symbols and a position-weighted mod-31 check symbol (src/domain/voucher_code.rs).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class Fatal(Exception):
    """The run cannot go on."""


class TimedOut(Exception):
    pass


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def code(self):
        return self.body.get("code") if isinstance(self.body, dict) else None

    def field(self, name):
        return self.body.get(name) if isinstance(self.body, dict) else None

    def __repr__(self):
        body = json.dumps(self.body, ensure_ascii=False) if not isinstance(self.body, str) else self.body
        return f"{self.status} {body[:300]}"


def _parse(raw):
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


try:
    import ctypes
    _LIBC = ctypes.CDLL(None)
except (ImportError, OSError):
    _LIBC = None


def _die_with_parent():
    """In the child before exec: Linux sends it SIGTERM if this script dies without cleaning up
    (killed with SIGKILL); otherwise the try/finally in main stops the instances."""
    try:
        _LIBC.prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM
    except Exception:  # not Linux
        pass


def yen(value):
    return f"¥{value:,}" if isinstance(value, int) else repr(value)


def at_once(calls):
    """Runs the callables in parallel threads released together; their results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(k, fn):
        try:
            barrier.wait(timeout=15)
        except threading.BrokenBarrierError:
            pass
        try:
            results[k] = fn()
        except Exception as e:  # reported by the caller as a wrong answer
            results[k] = e

    threads = [threading.Thread(target=run, args=(k, fn), daemon=True) for k, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HTTP_TIMEOUT + 20)
    return results


def random_voucher_code():
    """A well-formed code with a valid check symbol that no voucher has (94 random bits)."""
    payload = [secrets.randbelow(31) for _ in range(19)]
    weighted = sum((k + 2) * v for k, v in enumerate(reversed(payload))) % 31
    symbols = "".join(ALPHABET[i] for i in payload + [(31 - weighted) % 31])
    return "-".join(symbols[i:i + 4] for i in range(0, 20, 4))


def voucher_code_is_valid(code):
    symbols = code.replace("-", "").upper()
    if len(symbols) != 20 or any(c not in ALPHABET for c in symbols):
        return False
    return sum((k + 1) * ALPHABET.index(c) for k, c in enumerate(reversed(symbols))) % 31 == 0


def utc_instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def redact(url):
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


class Instance:
    """One `furusato serve` process on 127.0.0.1:port."""

    def __init__(self, name, port, workdir):
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(workdir, f"instance-{name}.log")
        self.proc = None
        self._log = None

    def start(self, binary, env, cwd):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "serve"], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)

    def wait_ready(self, seconds):
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                raise Fatal(f"instance {self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            if self.call("GET", "/health/ready", timeout=2).status == 200:
                return
            time.sleep(0.25)
        raise Fatal(f"instance {self.name} not ready within {seconds} s:\n{self.tail()}")

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log:
            self._log.close()

    def tail(self, lines=25):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join("    " + line for line in text.splitlines()[-lines:]) or "    (empty log)"

    def call(self, method, path, body=None, token=None, headers=None, raw=None, timeout=HTTP_TIMEOUT):
        data = raw if raw is not None else (
            None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8"))
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return Answer(res.status, res.headers, _parse(res.read()))
        except urllib.error.HTTPError as e:
            with e:
                return Answer(e.code, e.headers, _parse(e.read()))
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            return Answer(0, {}, f"{type(e).__name__}: {e}")


class ScaleCheck:
    def __init__(self, args):
        self.args = args
        self.run = secrets.token_hex(4)
        self.admin_url = args.postgres_url
        self.db_name = f"furusato_scale_{os.getpid()}"
        parts = urllib.parse.urlsplit(args.postgres_url)
        self.db_url = urllib.parse.urlunsplit(parts._replace(path="/" + self.db_name))
        self.db_created = False
        self.workdir = tempfile.mkdtemp(prefix="furusato-scale-")
        self.maildir = os.path.join(self.workdir, "mail")
        self.webhook_secret = "scale-webhook-" + secrets.token_hex(16)
        self.admin_email = f"scale-admin-{self.run}@city.example"
        self.admin_password = "scale-admin-" + secrets.token_hex(12)
        self.instances = []
        self.a = self.b = None
        self.admin = None
        self.paid = []          # every donation this run paid: {"id", "amount", "receipt_number", "received_on"}
        self.partners = 0
        self.vouchers = 0
        self.results = []       # (ok, line)
        self.summary = []
        self.set_up = False
        self.pool = cf.ThreadPoolExecutor(max_workers=8)

    # --- reporting ---------------------------------------------------------------------------------

    def check(self, ok, line, detail=""):
        self.results.append((bool(ok), line))
        print(f"  {'ok  ' if ok else 'FAIL'}  {line}" + ("" if ok or not detail else f"\n          {detail}"),
              flush=True)
        return bool(ok)

    def must(self, answer, status, what):
        if answer.status != status:
            raise Fatal(f"{what}: expected {status}, got {answer!r}")
        return answer.body

    # --- set-up and clean-up -----------------------------------------------------------------------

    def psql(self, sql):
        env = dict(os.environ, PGCONNECT_TIMEOUT="5")
        try:
            return subprocess.run(["psql", self.admin_url, "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", sql],
                                  env=env, capture_output=True, text=True, timeout=30)
        except FileNotFoundError:
            raise Fatal("psql is not installed (apt-get install postgresql-client)")

    def instance_env(self, port):
        env = {k: v for k, v in os.environ.items() if not k.startswith("FURUSATO")}
        env.update({
            "FURUSATO_ENVIRONMENT": "development",
            "FURUSATO_CONFIG_DIR": self.workdir,  # no development.toml there: built-in defaults
            "FURUSATO__DEMO": "false",
            "FURUSATO__SERVER__HOST": "127.0.0.1",
            "FURUSATO__SERVER__PORT": str(port),
            "FURUSATO__SERVER__PUBLIC_URL": self.a.base,
            "FURUSATO__SERVER__WORKERS": "2",
            "FURUSATO__DATABASE__URL": self.db_url,
            "FURUSATO__DATABASE__POOL_SIZE": "8",
            # Bursts below queue for a connection rather than answer 503 on a busy machine.
            "FURUSATO__DATABASE__CONNECTION_TIMEOUT_MS": "10000",
            "FURUSATO__PAYMENT__WEBHOOK_SECRET": self.webhook_secret,
            "FURUSATO__DONATIONS__ACCESS_TOKEN_SECRET": self.access_secret,
            "FURUSATO__VOUCHERS__CODE_SECRET": self.voucher_secret,
            "FURUSATO__VOUCHERS__RATIO_BASIS_POINTS": str(VOUCHER_RATIO_BP),
            "FURUSATO__VOUCHERS__MAX_UNKNOWN_LOOKUPS": str(MAX_UNKNOWN_LOOKUPS),
            "FURUSATO__BOOTSTRAP__ADMIN_EMAIL": self.admin_email,
            "FURUSATO__BOOTSTRAP__ADMIN_PASSWORD": self.admin_password,
            "FURUSATO__EMAIL__TRANSPORT": "file",
            "FURUSATO__EMAIL__FILE_DIR": self.maildir,
            "FURUSATO__EMAIL__WORKER_ENABLED": "true",
            "FURUSATO__EMAIL__POLL_INTERVAL_MS": "200",
            "FURUSATO__LOG__LEVEL": "warn",
        })
        return env

    def setup(self):
        binary = os.path.abspath(self.args.binary)
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise Fatal(f"no executable at {binary} (cargo build --release)")
        self.access_secret = "scale-access-" + secrets.token_hex(16)
        self.voucher_secret = "scale-voucher-" + secrets.token_hex(16)
        os.makedirs(self.maildir)
        # Two distinct free ports, held until both are known.
        socks = [socket.socket(), socket.socket()]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        ports = [s.getsockname()[1] for s in socks]
        for s in socks:
            s.close()
        self.a = Instance("A", ports[0], self.workdir)
        self.b = Instance("B", ports[1], self.workdir)

        r = self.psql(f'CREATE DATABASE "{self.db_name}"')
        if r.returncode != 0:
            raise Fatal(f"cannot create database {self.db_name} on {redact(self.admin_url)}: {r.stderr.strip()}")
        self.db_created = True
        print(f"database {self.db_name} on {redact(self.admin_url)}; work directory {self.workdir}")

        # A first: it applies the migrations to the empty database (two instances migrating at the
        # same moment would race); B joins the migrated database like a second replica.
        for inst in (self.a, self.b):
            self.instances.append(inst)
            inst.start(binary, self.instance_env(inst.port), self.workdir)
            inst.wait_ready(60)
            print(f"instance {inst.name}: pid {inst.proc.pid}, {inst.base}", flush=True)

        login = self.must(self.a.call("POST", "/api/v1/auth/login",
                                      {"email": self.admin_email, "password": self.admin_password}),
                          200, "bootstrap admin signs in on A")
        self.admin = login["token"]
        self.set_up = True
        r = self.b.call("GET", "/api/v1/admin/emails?per_page=1", token=self.admin)
        self.check(r.status == 200, "a staff token issued by A is accepted by B (sessions in the database)", repr(r))

    def cleanup(self):
        for inst in self.instances:
            try:
                inst.stop()
            except Exception as e:
                print(f"could not stop instance {inst.name} (pid {inst.proc.pid}): {e}", file=sys.stderr)
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self.db_created:
            r = self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            if r.returncode != 0:  # PostgreSQL before 13 has no WITH (FORCE)
                self.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE datname = '{self.db_name}' AND pid <> pg_backend_pid()")
                r = self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}"')
            if r.returncode == 0:
                print(f"database {self.db_name} dropped")
            else:
                print(f"could not drop database {self.db_name}: {r.stderr.strip()}", file=sys.stderr)

    # --- shared steps ------------------------------------------------------------------------------

    def other(self, inst):
        return self.b if inst is self.a else self.a

    def home(self, i):
        return self.a if i % 2 == 0 else self.b

    def sign(self, raw):
        t = str(int(time.time()))
        mac = hmac.new(self.webhook_secret.encode(), t.encode() + b"." + raw, hashlib.sha256).hexdigest()
        return f"t={t},v1={mac}"

    def webhook(self, inst, raw):
        return inst.call("POST", "/api/v1/payments/webhook", raw=raw,
                         headers={"Furusato-Signature": self.sign(raw)})

    def donate(self, i, body, mode):
        """Creates one donation under an Idempotency-Key. mode: "one" (its home instance), "both"
        (the same request to both instances at once) or "replay" (home, then again on the other).
        Returns (donation or None, problem text or None)."""
        key = f"scale-{self.run}-donation-{i}"
        home = self.home(i)

        def post(inst):
            return lambda: inst.call("POST", "/api/v1/donations", body, headers={"Idempotency-Key": key})

        if mode == "both":
            answers = at_once([post(self.a), post(self.b)])
        else:
            answers = [post(home)()]
            if mode == "replay":
                answers.append(post(self.other(home))())
        bad = [a for a in answers if not isinstance(a, Answer) or a.status != 201]
        if bad:
            return None, f"donation {i} ({mode}): {bad[0]!r}"
        ids = {a.field("id") for a in answers}
        tokens = {a.field("access_token") for a in answers}
        if len(ids) != 1 or len(tokens) != 1 or None in tokens:
            return None, f"donation {i} ({mode}): one key gave ids {ids}"
        first = answers[0].body
        if first.get("status") != "pending_payment" or first.get("amount") != body["amount"]:
            return None, f"donation {i}: {answers[0]!r}"
        return {"i": i, "id": first["id"], "token": first["access_token"], "amount": body["amount"],
                "home": home, "mode": mode}, None

    def pay(self, d, redeliver):
        """Delivers the donation's payment.succeeded event to both instances at once (and, when
        `redeliver`, a second event id for the same payment too). Returns the sorted outcomes
        and a problem text (or None)."""
        paid_at = datetime.now(timezone.utc).isoformat()
        raws = []
        for suffix in ([""] + (["-again"] if redeliver else [])):
            event = {"id": f"evt_scale_{self.run}_{d['i']}{suffix}", "type": "payment.succeeded",
                     "data": {"donation_id": d["id"], "amount": d["amount"], "paid_at": paid_at,
                              "provider_reference": f"ch_scale_{d['i']}"}}
            raws.append(json.dumps(event, separators=(",", ":")).encode())
        calls = [lambda inst=inst, raw=raw: self.webhook(inst, raw) for raw in raws for inst in (self.a, self.b)]
        answers = at_once(calls)
        bad = [a for a in answers if not isinstance(a, Answer) or a.status != 200]
        if bad:
            return None, f"webhook for donation {d['i']}: {bad[0]!r}"
        outcomes = sorted(a.field("outcome") for a in answers)
        expected = ["duplicate", "duplicate", "no_change", "paid"] if redeliver else ["duplicate", "paid"]
        if outcomes != expected:
            return outcomes, f"donation {d['i']}: outcomes {outcomes}, expected {expected}"
        return outcomes, None

    def view(self, d):
        """The donation as its donor reads it, on the instance that did not create it."""
        r = self.other(d["home"]).call("GET", f"/api/v1/donations/{d['id']}", token=d["token"])
        return r

    def record_paid(self, d, view):
        self.paid.append({"id": d["id"], "amount": d["amount"], "receipt_number": view.get("receipt_number"),
                          "received_on": view.get("received_on")})

    def check_ledger(self, label):
        """Receipt numbers distinct and gapless; monthly report and admin list equal to what was paid."""
        numbers = [p["receipt_number"] for p in self.paid]
        series = {}
        malformed = []
        for n in numbers:
            m = re.fullmatch(r"([A-Z]+\d+)-(\d{6,})", n or "")
            if not m:
                malformed.append(n)
                continue
            series.setdefault(m.group(1), []).append(int(m.group(2)))
        gaps = {s: sorted(v) for s, v in series.items() if sorted(v) != list(range(1, len(v) + 1))}
        shown = ", ".join(f"{s}-{min(v):06d} … {s}-{max(v):06d}" for s, v in sorted(series.items()))
        self.check(len(set(numbers)) == len(numbers) and not malformed and not gaps,
                   f"{label}: {len(numbers)} receipt numbers, distinct and gapless ({shown})",
                   f"malformed {malformed[:5]}, duplicates {[n for n, c in Counter(numbers).items() if c > 1][:5]}, "
                   f"series with gaps {gaps}")

        expected = {}   # fiscal year -> month -> [count, amount]
        for p in self.paid:
            if not p["received_on"]:
                continue
            y, m = int(p["received_on"][:4]), int(p["received_on"][5:7])
            month = expected.setdefault(y if m >= 4 else y - 1, {}).setdefault(p["received_on"][:7], [0, 0])
            month[0] += 1
            month[1] += p["amount"]
        for fy, months in sorted(expected.items()):
            count = sum(c for c, _ in months.values())
            amount = sum(a for _, a in months.values())
            for inst in (self.a, self.b):
                r = inst.call("GET", f"/api/v1/admin/reports/monthly?fiscal_year={fy}", token=self.admin)
                if r.status != 200:
                    self.check(False, f"{label}: monthly report FY{fy} on {inst.name}", repr(r))
                    continue
                total = r.body.get("total", {})
                got = {row["month"]: [row["count"], row["amount"]] for row in r.body.get("months", [])}
                wrong = {m: (got.get(m, [0, 0]), months.get(m, [0, 0]))
                         for m in set(got) | set(months) if got.get(m, [0, 0]) != months.get(m, [0, 0])}
                self.check(total.get("count") == count and total.get("amount") == amount and not wrong,
                           f"{label}: monthly report FY{fy} on {inst.name}: {total.get('count')} donations, "
                           f"{yen(total.get('amount'))} = the sum paid ({yen(amount)} in {count})",
                           f"months (got, expected): {wrong}")
        r = self.b.call("GET", "/api/v1/admin/donations?status=paid&per_page=1", token=self.admin)
        self.check(r.status == 200 and r.field("total") == len(self.paid),
                   f"{label}: admin list shows {r.field('total')} paid donations (expected {len(self.paid)})",
                   repr(r))

    # --- 1. payments -------------------------------------------------------------------------------

    def phase_payments(self):
        n = self.args.donations
        print(f"\npayments: {n} donations, each webhook delivered to both instances at once", flush=True)
        # Every tenth sent to both instances at once; two in ten replayed on the other instance
        # (A then B, and B then A); the rest made once on their instance.
        modes = ["both" if i % 10 == 0 else "replay" if i % 10 in (4, 5) else "one" for i in range(n)]
        bodies = [{"kind": "general", "amount": 3000 + 137 * i, "donor": DONOR} for i in range(n)]
        made = list(self.pool.map(lambda i: self.donate(i, bodies[i], modes[i]), range(n)))
        donations = [d for d, _ in made if d]
        problems = [p for _, p in made if p]
        keyed = sum(1 for m in modes if m != "one")
        self.check(not problems,
                   f"{len(donations)}/{n} donations created, alternating A and B; {keyed} Idempotency-Keys "
                   "sent to both instances (at once or replayed) each made one donation", "; ".join(problems[:5]))

        paid = list(self.pool.map(lambda d: self.pay(d, d["i"] % 4 == 3), donations))
        problems = [p for _, p in paid if p]
        redelivered = sum(1 for d in donations if d["i"] % 4 == 3)
        self.check(not problems,
                   f"{len(donations)} payment events x 2 instances (+{redelivered} under a second event id): "
                   "each donation `paid` once, every other delivery `duplicate`/`no_change`",
                   "; ".join(problems[:5]))

        views = list(self.pool.map(self.view, donations))
        wrong = []
        for d, v in zip(donations, views):
            if v.status != 200 or v.field("status") != "paid" or not v.field("receipt_number") \
                    or v.field("amount") != d["amount"]:
                wrong.append(f"donation {d['i']}: {v!r}")
            if v.status == 200:
                self.record_paid(d, v.body)
        self.check(not wrong, f"{len(donations)} donations read back as paid on the other instance "
                   "(donor token from the one that created it)", "; ".join(wrong[:5]))
        self.check_ledger("payments")
        self.summary.append(f"payments: {len(self.paid)} donations paid once each, "
                            f"¥{sum(p['amount'] for p in self.paid):,} in total")

    # --- 2. vouchers -------------------------------------------------------------------------------

    def partner(self, create_on, login_on, label):
        email = f"till-{label}-{self.run}@shop.example"
        password = "till-password-" + secrets.token_hex(8)
        body = self.must(create_on.call("POST", "/api/v1/admin/partners",
                                        {"name": f"スケール確認商店 {label} {self.run}", "email": email,
                                         "password": password}, token=self.admin),
                         201, f"create partner {label} on {create_on.name}")
        self.partners += 1
        login = self.must(login_on.call("POST", "/api/v1/auth/login", {"email": email, "password": password}),
                          200, f"partner {label} signs in on {login_on.name}")
        if login.get("role") != "partner" or login.get("partner_id") != body["id"]:
            raise Fatal(f"partner login answered {login}")
        return body["id"], login["token"]

    def voucher(self, i):
        """An on-site donation made on instance home(i), paid through both instances: its voucher."""
        d, problem = self.donate(i, {"kind": "on_site", "amount": VOUCHER_TIER, "donor": DONOR}, "one")
        if problem:
            raise Fatal(problem)
        _, problem = self.pay(d, redeliver=False)
        self.check(not problem, f"on-site donation {i - 1000}: its webhook on both instances paid it once", problem)
        v = self.view(d)
        voucher = v.field("voucher")
        if v.status != 200 or not voucher:
            raise Fatal(f"on-site donation {i} has no voucher: {v!r}")
        self.record_paid(d, v.body)
        self.vouchers += 1
        face = VOUCHER_TIER * VOUCHER_RATIO_BP // 10_000
        self.check(voucher.get("face_value") == face and voucher.get("balance") == face,
                   f"voucher issued once for ¥{VOUCHER_TIER:,}: face value and balance ¥{face:,}", repr(voucher))
        return d, voucher["code"], face

    def balance(self, code, till, label):
        """The voucher's balance as both instances see it (None when they differ or fail)."""
        answers = [inst.call("GET", f"/api/v1/partner/vouchers/{code}", token=till) for inst in (self.a, self.b)]
        balances = {a.field("balance") if a.status == 200 else repr(a) for a in answers}
        if len(balances) != 1:
            self.check(False, f"{label}: both instances show one balance", f"A: {answers[0]!r}; B: {answers[1]!r}")
            return None
        return balances.pop()

    def redeem(self, inst, till, code, amount, key=None):
        headers = {"Idempotency-Key": key} if key else None
        return inst.call("POST", "/api/v1/partner/redemptions", {"voucher_code": code, "amount": amount},
                         token=till, headers=headers)

    def phase_vouchers(self):
        print("\nvouchers: one voucher spent from both instances at once; partner idempotency keys", flush=True)
        partner_id, till = self.partner(self.b, self.a, "p1")
        hot_donation, hot, face = self.voucher(1000)
        _, spare, spare_face = self.voucher(1001)
        self.partner_till, self.hot_code = till, hot
        self.check(voucher_code_is_valid(hot), "the script's check-symbol rule accepts the service's codes")

        # Many redemptions of one voucher at once, split over both instances, asking more than it holds.
        amounts = [40 + (k * 53) % 197 for k in range(48)]
        if sum(amounts) <= face:
            raise Fatal("the burst must ask for more than the face value")
        answers = at_once([lambda k=k, amount=amount: self.redeem(self.a if k % 2 == 0 else self.b, till, hot, amount)
                           for k, amount in enumerate(amounts)])
        accepted, refused, unavailable, unexpected = [], [], [], []
        for amount, a in zip(amounts, answers):
            if isinstance(a, Answer) and a.status == 201 and a.field("amount") == amount:
                accepted.append(a.body)
            elif isinstance(a, Answer) and a.status == 409 and a.code == "insufficient_balance":
                refused.append(amount)
            elif isinstance(a, Answer) and a.status == 503:
                unavailable.append(amount)   # nothing written, by contract; the balance check shows if not
            else:
                unexpected.append(f"¥{amount}: {a!r}")
        spent = sum(r["amount"] for r in accepted)
        remaining = self.balance(hot, till, "hot voucher")
        donor_view = self.view(hot_donation).field("voucher") or {}
        self.check(not unexpected, f"{len(amounts)} redemptions at once (¥{sum(amounts):,} asked of ¥{face:,}): "
                   f"{len(accepted)} accepted, {len(refused)} insufficient_balance"
                   + (f", {len(unavailable)} answered 503" if unavailable else ""), "; ".join(unexpected[:5]))
        self.check(len({r["id"] for r in accepted}) == len(accepted),
                   "every accepted redemption has its own id")
        self.check(spent <= face, f"accepted redemptions sum to ¥{spent:,} <= face value ¥{face:,}")
        self.check(remaining == face - spent and donor_view.get("balance") == remaining,
                   f"remaining balance ¥{remaining} on A, B and the donor's page = face value - accepted (¥{face - spent})",
                   f"lookups {remaining!r}, donor page {donor_view.get('balance')!r}")
        chain, running = [], face
        for r in sorted(accepted, key=lambda r: -r["balance_after"]):
            running -= r["amount"]
            if r["balance_after"] != running:
                chain.append(f"balance_after {r['balance_after']} after ¥{r['amount']}, expected {running}")
        self.check(not chain, "each accepted redemption's balance_after = the one before - its amount "
                   "(no double spend, no lost update)", "; ".join(chain[:5]))
        if isinstance(remaining, int):
            self.check(all(a > remaining for a in refused),
                       f"every refused amount is more than the ¥{remaining} left",
                       f"refused amounts {sorted(refused)[:10]}")
        if unavailable:
            print(f"  note  {len(unavailable)} redemptions answered 503 (database busy); not counted as spent")

        # Idempotency-Key of the partner, across instances.
        key1, key2 = f"till-{self.run}-1", f"till-{self.run}-2"
        first = self.redeem(self.a, till, spare, 500, key1)
        again = self.redeem(self.b, till, spare, 500, key1)
        self.check(first.status == 201 and again.status == 201 and first.body == again.body,
                   "a redemption's Idempotency-Key replayed on the other instance gives the same redemption",
                   f"A: {first!r}; B: {again!r}")
        same_time = at_once([lambda inst=inst: self.redeem(inst, till, spare, 700, key2)
                             for inst in (self.a, self.b, self.a, self.b, self.a, self.b)])
        ok = all(isinstance(a, Answer) and a.status == 201 for a in same_time) \
            and len({json.dumps(a.body, sort_keys=True) for a in same_time}) == 1
        self.check(ok, "one Idempotency-Key sent 6 times at once to A and B: one redemption, 6 identical answers",
                   "; ".join(repr(a) for a in same_time))
        changed = self.redeem(self.b, till, spare, 600, key1)
        self.check(changed.status == 422 and changed.code == "idempotency_key_reused",
                   "the same key with another amount on the other instance: 422 idempotency_key_reused",
                   repr(changed))
        third = self.redeem(self.a, till, spare, 300)
        rev = []
        if third.status == 201:
            rev = at_once([lambda inst=inst: inst.call("POST", f"/api/v1/partner/redemptions/{third.body['id']}/reversal",
                                                       {}, token=till) for inst in (self.a, self.b)])
        statuses = sorted(a.status for a in rev if isinstance(a, Answer))
        restored = [a.field("balance") for a in rev if isinstance(a, Answer) and a.status == 200]
        refusal = [a.code for a in rev if isinstance(a, Answer) and a.status == 409]
        self.check(statuses == [200, 409] and refusal == ["already_reversed"] and restored == [spare_face - 1200],
                   "one redemption reversed on A and B at once: reversed once (¥300 back), the other already_reversed",
                   f"redeem {third!r}; reversals {rev}")
        left = self.balance(spare, till, "second voucher")
        self.check(left == spare_face - 1200, f"second voucher: ¥{left} left = ¥{spare_face:,} - ¥500 - ¥700")

        # The partner's statement: exactly these redemptions.
        mine = accepted + [first.body if first.status == 201 else None,
                           same_time[0].body if isinstance(same_time[0], Answer) and same_time[0].status == 201 else None,
                           third.body if third.status == 201 else None]
        mine = [r for r in mine if r]
        months = sorted({utc_instant(r["redeemed_at"]).astimezone(JST).strftime("%Y-%m") for r in mine})
        lines, gross, reversed_amount, count = [], 0, 0, 0
        for month in months:
            s = self.b.call("GET", f"/api/v1/partner/statement?month={month}", token=till)
            if s.status != 200:
                self.check(False, f"partner statement {month}", repr(s))
                return
            lines += [line["id"] for line in s.body["redemptions"]]
            gross += s.body["gross_amount"]
            reversed_amount += s.body["reversed_amount"]
            count += s.body["count"]
        self.check(sorted(lines) == sorted(r["id"] for r in mine) and gross == spent + 1500
                   and reversed_amount == 300 and count == len(accepted) + 2,
                   f"partner statement ({', '.join(months)}): {count} redemptions, gross ¥{gross:,}, "
                   f"reversed ¥{reversed_amount} — exactly the accepted ones",
                   f"expected {len(mine)} lines, gross {spent + 1500}, reversed 300, count {len(accepted) + 2}; "
                   f"got {len(lines)} lines")
        self.summary.append(f"vouchers: ¥{spent:,} of ¥{face:,} spent by {len(accepted)} of {len(amounts)} "
                            f"parallel redemptions, {yen(remaining)} left; idempotency keys and reversal exact")

    # --- 3. rate limit -----------------------------------------------------------------------------

    def phase_rate_limit(self):
        print("\nrate limit: unknown voucher codes counted across instances", flush=True)
        _, till = self.partner(self.a, self.b, "p2")
        answers = []
        for k in range(MAX_UNKNOWN_LOOKUPS):
            inst = self.a if k % 2 == 0 else self.b
            answers.append(inst.call("GET", f"/api/v1/partner/vouchers/{random_voucher_code()}", token=till))
        self.check(all(a.status == 404 and a.code == "voucher_not_found" for a in answers),
                   f"{MAX_UNKNOWN_LOOKUPS} unknown codes, alternately on A and B: 404 voucher_not_found",
                   "; ".join(repr(a) for a in answers if a.status != 404)[:500])
        over = [inst.call("GET", f"/api/v1/partner/vouchers/{random_voucher_code()}", token=till)
                for inst in (self.a, self.b)]
        self.check(all(a.status == 429 and a.code == "too_many_lookups" and a.headers.get("Retry-After")
                       for a in over),
                   "the next one is 429 too_many_lookups with Retry-After on both instances "
                   "(one count in the database, not one per instance)", f"A: {over[0]!r}; B: {over[1]!r}")
        other = self.b.call("GET", f"/api/v1/partner/vouchers/{self.hot_code}", token=self.partner_till)
        self.check(other.status == 200, "another partner is not throttled by it", repr(other))
        self.summary.append(f"rate limit: {MAX_UNKNOWN_LOOKUPS} unknown lookups over two instances, then 429 on both")

    # --- 4. outbox ---------------------------------------------------------------------------------

    def email_total(self, status):
        r = self.a.call("GET", f"/api/v1/admin/emails?status={status}&per_page=1", token=self.admin)
        return r.field("total") if r.status == 200 else None

    def phase_outbox(self):
        print("\noutbox: both workers deliver from one outbox", flush=True)
        until = time.monotonic() + 30
        while True:
            waiting = (self.email_total("pending"), self.email_total("sending"))
            if waiting == (0, 0) or time.monotonic() > until:
                break
            time.sleep(0.5)
        self.check(waiting == (0, 0), "the outbox drained (nothing pending or sending)", f"(pending, sending) = {waiting}")
        failed = self.email_total("failed")
        self.check(failed == 0, "no email failed", f"failed: {failed}")
        sent, page = [], 1
        while True:
            r = self.a.call("GET", f"/api/v1/admin/emails?status=sent&per_page=100&page={page}", token=self.admin)
            if r.status != 200:
                self.check(False, "list of sent emails", repr(r))
                return
            sent += r.body["items"]
            if len(sent) >= r.body["total"] or not r.body["items"]:
                break
            page += 1
        kinds = Counter(e["kind"] for e in sent)
        self.check(kinds["thank_you"] == len(self.paid) and kinds["voucher_issued"] == self.vouchers
                   and kinds["partner_welcome"] == self.partners,
                   f"{kinds['thank_you']} thank-you emails for {len(self.paid)} paid donations, "
                   f"{kinds['voucher_issued']} voucher emails, {kinds['partner_welcome']} partner welcomes "
                   "(the duplicate webhooks queued nothing)", f"by kind: {dict(kinds)}")
        files = [os.path.join(self.maildir, f) for f in os.listdir(self.maildir) if f.endswith(".eml")]
        ids = []
        for path in files:
            with open(path, "rb") as f:
                head = f.read().decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n\n", 1)[0]
            head = re.sub(r"\n[ \t]+", " ", head)  # unfold continued header lines
            m = re.search(r"^message-id:\s*(\S+)", head, re.IGNORECASE | re.MULTILINE)
            ids.append(m.group(1) if m else f"(none in {os.path.basename(path)})")
        copies = {i: c for i, c in Counter(ids).items() if c > 1}
        expected = {e["message_id"].strip() for e in sent}
        self.check(len(files) == len(sent) and not copies and set(ids) == expected,
                   f"{len(files)} .eml files for {len(sent)} sent emails: each Message-ID delivered exactly once",
                   f"sent twice: {list(copies)[:5]}; missing: {sorted(expected - set(ids))[:5]}; "
                   f"unknown: {sorted(set(ids) - expected)[:5]}")
        self.summary.append(f"outbox: {len(sent)} emails, each sent once by the two workers together")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("binary", nargs="?", default="target/release/furusato",
                        help="the built service (default target/release/furusato)")
    parser.add_argument("postgres_url", nargs="?", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where this user may create databases "
                             "(default postgres://postgres@127.0.0.1:5432/postgres)")
    parser.add_argument("--donations", type=int, default=40, help="general donations to pay (default 40)")
    parser.add_argument("--timeout", type=int, default=120, help="bound on the whole run, seconds (default 120)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (instance logs, .eml files)")
    args = parser.parse_args()
    if not 2 <= args.donations <= 500:
        parser.error("--donations must be between 2 and 500")
    if urllib.parse.urlsplit(args.postgres_url).scheme not in ("postgres", "postgresql"):
        parser.error("POSTGRES_URL must start with postgres:// or postgresql://")

    def on_alarm(signum, frame):
        raise TimedOut()

    def on_term(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    run = ScaleCheck(args)
    aborted = None
    signal.alarm(args.timeout)
    try:
        run.setup()
        run.phase_payments()
        run.phase_vouchers()
        run.phase_rate_limit()
        print("\nledger: every payment of the run", flush=True)
        run.check_ledger("all payments")
        run.phase_outbox()
    except TimedOut:
        aborted = f"the run took longer than --timeout {args.timeout} s"
    except Fatal as e:
        aborted = str(e)
    except KeyboardInterrupt:
        aborted = "interrupted"
    except Exception:
        traceback.print_exc()
        aborted = "unexpected error in the script (traceback above)"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if aborted:
            print(f"\nABORTED: {aborted}", flush=True)
        run.cleanup()

    failed = [line for ok, line in run.results if not ok]
    passed = len(run.results) - len(failed)
    print(f"\nsummary ({time.monotonic() - started:.0f} s):")
    for line in run.summary:
        print("  " + line)
    print(f"  {passed} checks passed, {len(failed)} failed" + (f"; aborted: {aborted}" if aborted else ""))
    good = not failed and not aborted
    logs = [inst for inst in run.instances if inst.proc is not None]
    if not good:
        for inst in logs:
            print(f"\nlast lines of instance {inst.name}'s log ({inst.log_path}):\n{inst.tail()}")
    if (logs and not good) or args.keep:
        print(f"\nwork directory kept: {run.workdir}")
    else:
        shutil.rmtree(run.workdir, ignore_errors=True)
    if good:
        print("RESULT: OK")
        sys.exit(0)
    print("RESULT: FAIL" if run.set_up else "RESULT: NOT RUN (set-up failed)")
    sys.exit(1 if run.set_up else 2)

if __name__ == "__main__":
    main()
