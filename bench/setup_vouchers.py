#!/usr/bin/env python3
"""Prepares the redemption benchmark through the public API only (stdlib, no `requests`).

Logs in as the bootstrap admin, creates a partner business and logs in as it, then creates N on-site
donations of the largest tier (1,000,000 yen -> a 300,000 yen voucher), pays each through the signed
payment webhook and reads its voucher code from GET /api/v1/donations/{id}.

Writes to OUT_DIR:  partner_token  (the partner's bearer token)
                    partner_id
                    codes.txt      (one voucher code per line, N lines)
Usage: setup_vouchers.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD N OUT_DIR
"""
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

BASE, ADMIN_EMAIL, ADMIN_PASSWORD, N, OUT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
SECRET = os.environ.get("FURUSATO__PAYMENT__WEBHOOK_SECRET", "dev-webhook-secret-change-me").encode()
AMOUNT = 1_000_000
DONOR = {"name": "品川 花子", "name_kana": "シナガワ ハナコ", "email": "hanako@example.jp",
         "phone": "06-1234-5678", "postal_code": "530-0001", "prefecture": "大阪府",
         "city": "大阪市北区", "address_line": "梅田1-1-1"}


def call(method, path, body=None, token=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def must(expected, result, what):
    status, body = result
    if status != expected:
        sys.exit(f"{what}: expected {expected}, got {status}: {body}")
    return body


def login(email, password):
    return must(200, call("POST", "/api/v1/auth/login", {"email": email, "password": password}), "login")["token"]


def main():
    os.makedirs(OUT, exist_ok=True)
    admin = login(ADMIN_EMAIL, ADMIN_PASSWORD)
    email = f"till-{uuid.uuid4().hex}@shop.example"
    partner = must(201, call("POST", "/api/v1/admin/partners",
                             {"name": "ベンチ商店 " + email[5:13], "email": email, "password": "till-password-long"},
                             token=admin), "create partner")
    till = login(email, "till-password-long")
    codes = []
    started = time.time()
    for i in range(N):
        d = must(201, call("POST", "/api/v1/donations",
                           {"kind": "on_site", "amount": AMOUNT, "donor": DONOR}), "donate")
        event = {"id": f"evt_bench_{d['id']}", "type": "payment.succeeded",
                 "data": {"donation_id": d["id"], "amount": AMOUNT,
                          "paid_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                          "provider_reference": "ch_bench"}}
        raw = json.dumps(event).encode()
        t = str(int(time.time()))
        sig = hmac.new(SECRET, t.encode() + b"." + raw, hashlib.sha256).hexdigest()
        must(200, call("POST", "/api/v1/payments/webhook", raw=raw,
                       headers={"furusato-signature": f"t={t},v1={sig}"}), "webhook")
        view = must(200, call("GET", f"/api/v1/donations/{d['id']}", token=d["access_token"]), "view")
        v = view["voucher"]
        assert v and v["balance"] == 300_000, view
        codes.append(v["code"])
    with open(os.path.join(OUT, "partner_token"), "w") as f:
        f.write(till)
    with open(os.path.join(OUT, "partner_id"), "w") as f:
        f.write(partner["id"])
    with open(os.path.join(OUT, "codes.txt"), "w") as f:
        f.write("\n".join(codes) + "\n")
    print(f"setup: partner {partner['id']}, {len(codes)} vouchers of 300000 yen in {time.time() - started:.1f}s")


if __name__ == "__main__":
    main()
