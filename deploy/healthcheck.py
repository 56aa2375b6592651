#!/usr/bin/env python3
"""Health check of one Daphne process of the demo (the image's HEALTHCHECK).

Asks the home page (which reads the database) with a Host header the site accepts: the
first entry of DJANGO_ALLOWED_HOSTS, since 127.0.0.1 need not be one of them. Exit 0 when
it answers 2xx/3xx within the timeout, 1 otherwise.
"""

import http.client
import os
import sys


def main():
    port = int(os.environ.get("DAPHNE_PORT", "8000"))
    path = os.environ.get("HEALTHCHECK_PATH", "/")
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",") if h.strip()]
    # ".example.com" allows example.com and its subdomains; "*" allows anything.
    host = hosts[0].lstrip(".") if hosts and hosts[0] != "*" else "localhost"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": host})
        status = conn.getresponse().status
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if not 200 <= status < 400:
        print(f"unhealthy: GET {path} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
