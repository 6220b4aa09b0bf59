"""Which proxy and which trust store a request uses: the same answer for ``check`` and for every
other call, so that the diagnosis sees the network the way the agent does.

Proxy: the ``proxy.url`` setting first (unless ``proxy.bypass`` names the service), then
``HTTPS_PROXY``/``https_proxy`` honouring ``NO_PROXY``. Trust: the system store, plus
``REQUESTS_CA_BUNDLE`` or ``SSL_CERT_FILE`` when set.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit

from cmagent.machine.redact import credentials
from cmagent.machine.redact import without_credentials

# proxy.bypass keywords and the host names (suffixes) they cover, across the clouds.
BYPASS_HOSTS = {
    "AAD": ("login.windows.net", "login.microsoftonline.com", "pas.windows.net",
            "login.microsoftonline.us", "pasff.usgovcloudapi.net", "login.chinacloudapi.cn",
            "login.partner.chinacloudapi.cn", "pas.chinacloudapi.cn", ".login.microsoft.com"),
    "ARM": ("management.azure.com", "management.usgovcloudapi.net",
            "management.chinacloudapi.cn"),
    "Arc": ("his.arc.azure.com", "guestconfiguration.azure.com", "his.arc.azure.us",
            "guestconfiguration.azure.us", "his.arc.azure.cn", "guestconfiguration.azure.cn"),
    "ArcData": ("arcdataservices.com", "arcdataservices.azure.us"),
    "AMA": ("ods.opinsights.azure.com", "oms.opinsights.azure.com", "monitor.azure.com",
            "handler.control.monitor.azure.com"),
}


class ProxyChoice:
    """The proxy for one host, and where that choice came from (for ``check`` and ``show``)."""

    def __init__(self, url: str | None, source: str) -> None:
        self.url = url
        self.source = source

    @property
    def label(self) -> str:
        return "set" if self.url else ("bypassed" if self.source.startswith("bypass") else
                                       "not set")


def _matches(host: str, suffix: str) -> bool:
    suffix = suffix.lstrip(".").lower()
    return host == suffix or host.endswith("." + suffix)


def bypassed(host: str, keywords: list[str]) -> bool:
    return any(_matches(host, suffix) for keyword in keywords
               for suffix in BYPASS_HOSTS.get(keyword, ()))


def _no_proxy(host: str, environ: Mapping[str, str]) -> bool:
    value = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    for entry in (e.strip() for e in value.split(",")):
        if entry == "*" or (entry and _matches(host, entry.split(":")[0])):
            return True
    return False


def choose_proxy(host: str, settings: Mapping[str, object],
                 environ: Mapping[str, str]) -> ProxyChoice:
    host = host.lower()
    configured = str(settings.get("proxy.url") or "")
    if configured:
        keywords = [str(k) for k in settings.get("proxy.bypass") or []]  # type: ignore[attr-defined]
        if bypassed(host, keywords):
            return ProxyChoice(None, "bypass (proxy.bypass)")
        return ProxyChoice(configured, "proxy set via config command")
    from_env = environ.get("HTTPS_PROXY") or environ.get("https_proxy") or ""
    if from_env:
        if _no_proxy(host, environ):
            return ProxyChoice(None, "bypass (NO_PROXY)")
        return ProxyChoice(from_env if "://" in from_env else f"http://{from_env}",
                           "proxy set via HTTPS_PROXY")
    return ProxyChoice(None, "no proxy")


def trust(environ: Mapping[str, str]) -> ssl.SSLContext:
    """The system trust store plus the bundle named by REQUESTS_CA_BUNDLE or SSL_CERT_FILE."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        bundle = environ.get(name)
        if bundle and os.path.isfile(bundle):
            context.load_verify_locations(cafile=bundle)
    return context


def proxy_address(url: str) -> tuple[str, int, str | None, str | None]:
    """(host, port, user, password) of an http proxy URL: the credentials as the HTTP stack
    reads them (a password may hold '[' or '/', percent-escapes are decoded), the address from
    what is left; ValueError naming no credential when that is no host and port."""
    full = url if "://" in url else f"http://{url}"
    user, password = credentials(full)
    try:
        parts = urlsplit(without_credentials(full))
        return (parts.hostname or "", parts.port or 80, user, password)
    except ValueError as error:
        raise ValueError(f"the proxy URL names no usable host and port ({error})") from None
