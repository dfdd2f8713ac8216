#!/usr/bin/env python3
"""somaclient_event_loop.py - the SomaClient multi-loop probe.

Asks the gateway to make SomaClient calls from several event loops
(/v1/somaclient/probe) and prints `ok`, or the error and exit 1.  The
gateway is found as scripts/send_message.py finds it.
"""
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from send_message import gateway_url, print_refusal  # noqa: E402


def main():
    try:
        with urllib.request.urlopen(gateway_url() + "/v1/somaclient/probe", timeout=10) as r:
            if json.load(r).get("ok"):
                print("ok")
                return 0
    except urllib.error.HTTPError as e:
        print_refusal(e)
        return 1
    except OSError as e:
        print("gateway unreachable: %s" % e)
        return 1
    print("probe failed")
    return 1


if __name__ == "__main__":
    sys.exit(main())
