"""One plain HTTPS request, as the lab's tests make it from the agent host to observe a
condition: ``python -m cmagent.lab.probe URL [PROXY_URL]`` prints a JSON verdict."""

from __future__ import annotations

import json
import ssl
import sys
import time
import urllib.error
import urllib.request


def probe(url: str, proxy: str | None = None, timeout: float = 5.0) -> dict[str, object]:
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.HTTPSHandler(context=ssl.create_default_context())]
    handlers.append(urllib.request.ProxyHandler({"https": proxy} if proxy else {}))
    opener = urllib.request.build_opener(*handlers)
    started = time.monotonic()
    verdict: dict[str, object] = {"url": url}
    try:
        with opener.open(url, timeout=timeout) as response:
            verdict.update(ok=True, status=response.status)
    except urllib.error.HTTPError as error:
        verdict.update(ok=True, status=error.code)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        verdict.update(ok=False, error=f"{type(reason).__name__}: {reason}",
                       errno=getattr(reason, "errno", None))
    verdict["seconds"] = round(time.monotonic() - started, 3)
    return verdict


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)))
