"""The comparison point of every server benchmark: bare Starlette endpoints on uvicorn with
uvicorn's own defaults (httptools, uvloop) and, for the cloud, the same TLS certificate.

    python bench/bare.py PORT [CERT KEY]      a JSON document at every path
    python bench/bare.py PORT --challenge DIR  the managed-identity file challenge, minimal
"""

from __future__ import annotations

import os
import secrets
import sys
import time
import uuid

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

OPEN: dict[str, str] = {}  # secret -> its file


async def document(request: Request) -> JSONResponse:
    return JSONResponse({"name": "bare", "resourceManager": "https://127.0.0.1/"})


def challenge(directory: str):  # type: ignore[no-untyped-def]
    async def token(request: Request) -> JSONResponse:
        proof = request.headers.get("authorization", "").removeprefix("Basic ")
        path = OPEN.pop(proof, None)
        if path is not None:
            os.unlink(path)
            return JSONResponse({"access_token": "x" * 900, "expires_on": str(int(time.time()))})
        path = os.path.join(directory, f"{uuid.uuid4()}.key")
        secret = secrets.token_hex(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(descriptor, secret.encode())
        os.close(descriptor)
        OPEN[secret] = path
        return JSONResponse({"error": "unauthorized"}, 401,
                            {"WWW-Authenticate": f"Basic realm={path}"})
    return token


def main() -> None:
    port = int(sys.argv[1])
    if sys.argv[2:3] == ["--challenge"]:
        app = Starlette(routes=[Route("/{path:path}", challenge(sys.argv[3]))])
        tls = {}
    else:
        app = Starlette(routes=[Route("/{path:path}", document)])
        tls = {"ssl_certfile": sys.argv[2], "ssl_keyfile": sys.argv[3]} if len(sys.argv) > 3 \
            else {}
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, **tls)


if __name__ == "__main__":
    main()
