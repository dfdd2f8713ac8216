#!/usr/bin/env python3
"""send_message.py [--tenant T] [--session S] MESSAGE - the smoke test.

Sends MESSAGE to the gateway's /v1/chat and prints the reply (exit 0), or
the gateway's refusal, e.g. "Token budget exceeded" (exit 1).  The gateway
is $SOMA_GATEWAY_URL, else the lab's (LAB_GATEWAY_URL in the state file
next to this checkout), else http://127.0.0.1:8012.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request


def gateway_url():
    if os.environ.get("SOMA_GATEWAY_URL"):
        return os.environ["SOMA_GATEWAY_URL"]
    state = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "state.env")
    try:
        with open(state) as f:
            for line in f:
                if line.startswith("export LAB_GATEWAY_URL="):
                    return line.split("=", 1)[1].strip().strip("'\"")
    except OSError:
        pass
    return "http://127.0.0.1:8012"


def print_refusal(e):
    """The gateway's error text of an HTTP error (its JSON "error"), else the code."""
    try:
        print(json.load(e).get("error", "HTTP %d" % e.code))
    except ValueError:
        print("HTTP %d" % e.code)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenant", default="default")
    ap.add_argument("--session", default="smoke-test")
    ap.add_argument("message")
    a = ap.parse_args()
    body = json.dumps({"tenant": a.tenant, "session": a.session, "message": a.message}).encode()
    req = urllib.request.Request(gateway_url() + "/v1/chat", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            print(json.load(r).get("reply", ""))
            return 0
    except urllib.error.HTTPError as e:
        print_refusal(e)
    except OSError as e:
        print("gateway unreachable: %s" % e)
    return 1


if __name__ == "__main__":
    sys.exit(main())
