"""The comparison point of every server benchmark: a bare Starlette endpoint on uvicorn with
uvicorn's own defaults (httptools, uvloop) and, for the cloud, the same TLS certificate.

    python bench/bare.py PORT [CERT KEY]
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def endpoint(request: Request) -> JSONResponse:
    return JSONResponse({"name": "bare", "resourceManager": "https://127.0.0.1/"})


def main() -> None:
    port = int(sys.argv[1])
    tls = {"ssl_certfile": sys.argv[2], "ssl_keyfile": sys.argv[3]} if len(sys.argv) > 3 else {}
    app = Starlette(routes=[Route("/{path:path}", endpoint)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, **tls)


if __name__ == "__main__":
    main()
