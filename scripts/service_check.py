"""Say whether a service the tests need is here; skip visibly, or fail in CI.

Usage: service_check.py postgres URL | redis URL | chromium PATH
Exit 0: present. Exit 1: absent, and skipping is allowed (reason printed).
Exit 2: absent while ESSAYONS_REQUIRE_SERVICES=1 (CI), which must fail the build.
"""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlsplit


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def main() -> int:
    kind, where = sys.argv[1], sys.argv[2]
    if kind == "postgres":
        present = reachable(where, 5432)
    elif kind == "redis":
        present = reachable(where, 6379)
    else:
        present = os.access(where, os.X_OK)
    if present:
        return 0
    if os.environ.get("ESSAYONS_REQUIRE_SERVICES") == "1":
        print(f"FAIL: {kind} is required here but not available at {where}", file=sys.stderr)
        return 2
    print(f"SKIPPED: the {kind} tests, because {kind} is not available at {where}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
