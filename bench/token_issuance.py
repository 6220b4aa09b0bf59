"""Token issuance (client credentials, secret) against a running cmagent-cloud.

Baseline in the same run: the cheapest request the server answers (the metadata document),
from the same client threads; the ratio says how much issuing a token costs beyond HTTPS.
Target: ≥ 300 tokens/s on a 2-core machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from cloudbench import Server
from cloudbench import load
from cloudbench import p99

THREADS = 8
SECONDS = 5.0
TARGET = 300


def main() -> int:
    server = Server()
    try:
        quick = server.cli("quickstart", "--json")
        form = {"grant_type": "client_credentials", "client_id": quick["servicePrincipalId"],
                "client_secret": quick["servicePrincipalSecret"],
                "scope": "https://management.azure.com/.default"}
        token_url = f"{server.url}/{quick['tenantId']}/oauth2/v2.0/token"
        metadata_url = f"{server.url}/metadata/endpoints?api-version=2022-09-01"
        sessions = [server.session() for _ in range(THREADS)]

        def token(session) -> None:
            assert session.post(token_url, data=form).status_code == 200

        def metadata(session) -> None:
            assert session.get(metadata_url).status_code == 200

        load(token, sessions, 1.0)  # warm-up: connections, caches
        base_rate, _ = load(metadata, sessions, SECONDS)
        rate, latencies = load(token, sessions, SECONDS)
    finally:
        server.stop()
    print(f"baseline (metadata GET) {base_rate:8.0f} req/s")
    print(f"token issuance          {rate:8.0f} tokens/s  p99 {p99(latencies) * 1000:.1f} ms  "
          f"({rate / base_rate:.2f}x of baseline), {THREADS} client threads")
    print(f"target >= {TARGET} tokens/s: {'met' if rate >= TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
