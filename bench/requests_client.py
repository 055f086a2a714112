"""bench/requests_client.py: what a Python user writes by hand: one
requests.Session (keep-alive, verified TLS), a fresh timestamp and
HMAC-SHA512 per call.  Runs BENCH_SECONDS; prints calls per second."""
import hashlib
import hmac
import json
import os
import time

import requests

key, secret = os.environ["BENCH_KEY"], os.environ["BENCH_SECRET"].encode()
account = os.environ["BENCH_ACCOUNT"]
url = os.environ["BENCH_BASE_URL"] + "/api/v1/customer-purse/customer/create"
cafile = os.environ["BENCH_CAFILE"]
session = requests.Session()  # keep-alive across calls


def create():
    body = json.dumps({"account": account, "timestamp": int(time.time() * 1000),
                       "payload": {"email": "ada@example.com", "description": "bench"}},
                      separators=(",", ":")).encode()
    sign = hmac.new(secret, body, hashlib.sha512).hexdigest()
    # verify per request: REQUESTS_CA_BUNDLE in the environment would
    # override a session-level setting.
    answer = session.post(url, data=body, verify=cafile, headers={
        "Key": key, "Sign": sign, "Content-Type": "application/json",
        "Accept": "application/json"})
    answer.raise_for_status()
    return answer.json()


create()
n, started = 0, time.monotonic()
while time.monotonic() - started < float(os.environ["BENCH_SECONDS"]):
    create()
    n += 1
print(n / (time.monotonic() - started))
