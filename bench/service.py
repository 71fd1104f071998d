"""Helpers shared by bench/import.py and bench/donor_search.py: their common options, the release
binary started and stopped by PID, HTTP calls on 127.0.0.1, its environment and bootstrap admin,
and the bench databases created and dropped through psql. Python 3 standard library only.

The scripts run as `python3 bench/<script>.py`, so bench/ is first on sys.path whatever the
working directory, and they import this module as `from service import ...`.
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)

ADMIN_EMAIL = "bench-admin@city.example"
ADMIN_PASSWORD = "bench-admin-password-long"


class Failure(Exception):
    pass


class Service:
    """The release binary on 127.0.0.1:port, started and stopped by PID."""

    def __init__(self, binary, port, workdir, env):
        self.port = port
        self.log_path = os.path.join(workdir, "service.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "serve"], cwd=workdir, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def tail(self, n=40):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def wait_ready(self, seconds=180):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"the service exited with {self.proc.returncode}")
            try:
                status, _ = http_call(self.port, "GET", "/health/ready", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise Failure(f"the service was not ready after {seconds}s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to our own child only
            try:
                self.proc.wait(timeout=40)  # the server's shutdown_timeout is 30 s
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def http_call(port, method, path, body=None, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


def json_call(port, method, path, expected, body=None, token=None, what=""):
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if token:
        headers["authorization"] = "Bearer " + token
    status, raw = http_call(port, method, path, data, headers)
    if status != expected:
        raise Failure(f"{what or path}: expected {expected}, got {status}: {raw[:2000].decode(errors='replace')}")
    return json.loads(raw or b"null")


def sign_in(port):
    """The bootstrap admin's bearer token."""
    return json_call(port, "POST", "/api/v1/auth/login", 200,
                     {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, what="sign-in")["token"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message):
    sys.stderr.write(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}\n")
    sys.stderr.flush()


def service_env(port, **extra):
    """The service's environment: the inherited one without any FURUSATO* variable, the service on
    127.0.0.1:port at log level warn with the bootstrap admin, then `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FURUSATO")}
    env.update({
        "FURUSATO__SERVER__HOST": "127.0.0.1",
        "FURUSATO__SERVER__PORT": str(port),
        "FURUSATO__LOG__LEVEL": "warn",
        "FURUSATO__BOOTSTRAP__ADMIN_EMAIL": ADMIN_EMAIL,
        "FURUSATO__BOOTSTRAP__ADMIN_PASSWORD": ADMIN_PASSWORD,
    })
    env.update(extra)
    return env


def psql(url, sql, capture=False):
    """Runs `sql` (on stdin) with psql; with capture, returns its unaligned, tuples-only output."""
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")  # no NOTICE on IF EXISTS
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
    if capture:
        cmd += ["-A", "-t"]
    result = subprocess.run(cmd, input=sql, check=True, env=env, text=True,
                            capture_output=capture)
    return result.stdout if capture else None


def database_url(pg, name):
    """The URL `pg` with its database replaced by `name`."""
    parts = urllib.parse.urlsplit(pg)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def create_database(pg, name):
    """A fresh, empty database `name` (a left-over one of that name is dropped first)."""
    psql(pg, f"DROP DATABASE IF EXISTS {name}")
    psql(pg, f"CREATE DATABASE {name}")


def drop_database(pg, name):
    """Drops `name`, forcing its connections off when a plain DROP fails; only logs if both fail."""
    try:
        psql(pg, f"DROP DATABASE IF EXISTS {name}")
    except subprocess.CalledProcessError:
        try:
            psql(pg, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except subprocess.CalledProcessError:
            log(f"could not drop database {name}; drop it by hand")


def bench_parser(doc):
    """The command line both scripts start from: --binary and --pg, described by the first
    paragraph of the script's `doc`."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    parser.add_argument("--binary", default=os.path.join(target, "release", "furusato"),
                        help="the furusato binary (default: $CARGO_TARGET_DIR or <repo>/target, /release/furusato)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL URL of an existing database, used to CREATE/DROP the bench database")
    return parser


def check_binary(parser, args):
    """--binary must be an executable file; made absolute (the service runs in its work dir)."""
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        parser.error(f"no executable at {args.binary} (build with cargo build --release, or pass --binary)")
    args.binary = os.path.abspath(args.binary)
