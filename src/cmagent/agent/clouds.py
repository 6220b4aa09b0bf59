"""The clouds the agent knows, and the endpoints ``check`` tests for a cloud, a region and a mode.

Built-in clouds carry the public host names of Microsoft's documentation; any other cloud is
given by the https URL of a service that answers ``/metadata/endpoints`` (the local cloud).
Check ids are stable: scripts can key on them.
"""

from __future__ import annotations

from collections.abc import Mapping

from cmagent.errors import AzcmError
from cmagent.errors import Localized
from cmagent.errors import codes

METADATA_PATH = "/metadata/endpoints?api-version=2022-09-01"
GEOGRAPHIES = {"westeurope": "weu", "northeurope": "neu", "eastus": "eus", "eastus2": "eus2",
               "westus": "wus", "westus2": "wus2", "westus3": "wus3", "centralus": "cus",
               "uksouth": "uks", "japaneast": "jpe", "australiaeast": "ae",
               "southeastasia": "sea", "usgovvirginia": "usgv", "usgovarizona": "usga",
               "chinaeast2": "cne2", "chinanorth3": "cnn3"}


REGIONS = {"eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus",
           "southcentralus", "westcentralus", "canadacentral", "canadaeast", "brazilsouth",
           "northeurope", "westeurope", "uksouth", "ukwest", "francecentral", "germanywestcentral",
           "norwayeast", "swedencentral", "switzerlandnorth", "italynorth", "polandcentral",
           "spaincentral", "australiaeast", "australiasoutheast", "australiacentral",
           "eastasia", "southeastasia", "japaneast", "japanwest", "koreacentral", "koreasouth",
           "centralindia", "southindia", "westindia", "uaenorth", "southafricanorth",
           "qatarcentral", "israelcentral", "mexicocentral", "newzealandnorth",
           "usgovvirginia", "usgovarizona", "usgovtexas", "chinaeast2", "chinanorth2",
           "chinanorth3", "chinaeast3"}


class Cloud:
    def __init__(self, name: str, login: str, arm: str, portal: str, his_suffix: str,
                 gc_suffix: str, extra: tuple[tuple[str, str, bool], ...]) -> None:
        self.name = name
        self.login = login
        self.arm = arm
        self.portal = portal
        self.his_suffix = his_suffix
        self.gc_suffix = gc_suffix
        self.extra = extra  # (check id, url, required)

    @property
    def his_global(self) -> str:
        return f"https://gbl.{self.his_suffix}"


BUILT_IN = {
    "AzureCloud": Cloud("AzureCloud", "https://login.microsoftonline.com",
                        "https://management.azure.com", "https://portal.azure.com",
                        "his.arc.azure.com",
                        "guestconfiguration.azure.com",
                        (("aad.pas", "https://pas.windows.net", True),
                         ("aad.legacy", "https://login.windows.net", False),
                         ("notification", "https://guestnotificationservice.azure.com", False))),
    "AzureUSGovernment": Cloud("AzureUSGovernment", "https://login.microsoftonline.us",
                               "https://management.usgovcloudapi.net",
                               "https://portal.azure.us", "his.arc.azure.us",
                               "guestconfiguration.azure.us",
                               (("aad.pas", "https://pasff.usgovcloudapi.net", True),)),
    "AzureChinaCloud": Cloud("AzureChinaCloud", "https://login.chinacloudapi.cn",
                             "https://management.chinacloudapi.cn",
                             "https://portal.azure.cn", "his.arc.azure.cn",
                             "guestconfiguration.azure.cn",
                             (("aad.pas", "https://pas.chinacloudapi.cn", True),
                              ("notification", "https://guestnotificationservice.azure.cn",
                               False))),
}


def chosen(given: str | None, environ: Mapping[str, str], connected: str | None) -> str:
    """The cloud's name or URL: --cloud, else AZCMAGENT_CLOUD, else the connected machine's
    cloud, else AzureCloud."""
    return given or environ.get("AZCMAGENT_CLOUD") or connected or "AzureCloud"


def source(given: str | None, environ: Mapping[str, str]) -> str:
    """Where the chosen cloud came from, as the user set it: the flag or the variable."""
    return "AZCMAGENT_CLOUD" if not given and environ.get("AZCMAGENT_CLOUD") else "--cloud"


def built_in(name: str, given_as: str = "--cloud") -> Cloud:
    """The built-in cloud called ``name`` (any case); AZCM0023 names the choices (and where
    ``name`` was given: ``--cloud`` or ``AZCMAGENT_CLOUD``) otherwise."""
    cloud = next((c for c in BUILT_IN.values() if c.name.lower() == name.lower()), None)
    if cloud is None:
        raise AzcmError(codes.INVALID_ARGUMENT, Localized(
            f"{given_as}={name!r}: allowed values are {', '.join(BUILT_IN)} or the https URL "
            "of a cloud.",
            f"{given_as}={name!r}: 指定できる値は {'、'.join(BUILT_IN)}、またはクラウドの "
            "https URL です。"))
    return cloud


def check_region(cloud: str, location: str) -> None:
    """AZCM0020 for a region a built-in cloud does not have (a cloud given by URL has its own)."""
    if cloud.lower().startswith("https://"):
        return
    region = location.replace(" ", "").lower()
    if region not in REGIONS:
        raise AzcmError(codes.UNKNOWN_REGION, Localized(
            f"--location={location!r} is not a region of {cloud}.",
            f"--location={location!r} は {cloud} のリージョンではありません。"))


class Endpoint:
    def __init__(self, check_id: str, url: str, required: bool, private_capable: bool = False,
                 path: str = "/") -> None:
        self.check_id = check_id
        self.check_ids: tuple[str, ...] = (check_id,)  # every purpose this URL serves
        self.url = url
        self.required = required
        self.private_capable = private_capable
        self.path = path  # asked in the HTTP layer; answers JSON on the real service

    @property
    def host(self) -> str:
        return self.url.removeprefix("https://").split("/")[0].split(":")[0]

    @property
    def port(self) -> int:
        authority = self.url.removeprefix("https://").split("/")[0]
        return int(authority.rsplit(":", 1)[1]) if ":" in authority else 443


def endpoints(cloud: Cloud, location: str, extensions: str | None = None) -> list[Endpoint]:
    region = location.lower().replace(" ", "")
    geo = GEOGRAPHIES.get(region, "gbl")
    listed = [
        Endpoint("aad.login", cloud.login, True, path="/common/discovery/keys"),
        Endpoint("arm", cloud.arm, True, path=METADATA_PATH),
        Endpoint("arc.his.global", cloud.his_global, True, True,
                 path=f"/discovery?location={region}&api-version=2.1"),
        Endpoint("arc.his.regional", f"https://{geo}.{cloud.his_suffix}", True, True),
        Endpoint("arc.gc.agentservice", f"https://agentserviceapi.{cloud.gc_suffix}", True, True),
        Endpoint("arc.gc.regional", f"https://{region}-gas.{cloud.gc_suffix}", True, True),
    ]
    listed += [Endpoint(check_id, url, required) for check_id, url, required in cloud.extra]
    if extensions in ("sql", "all") and cloud.name != "AzureChinaCloud":
        suffix = "arcdataservices.com" if cloud.name == "AzureCloud" else \
            "arcdataservices.azure.us"
        listed.append(Endpoint("ext.sql", f"https://{region}.{suffix}", False))
    return once_each(listed)


def custom_endpoints(base: str) -> list[Endpoint]:
    """A cloud given by URL (the local cloud) serves every service on its own origin."""
    base = base.rstrip("/")
    return once_each([Endpoint("aad.login", base, True, path="/common/discovery/keys"),
                      Endpoint("arm", base, True, path=METADATA_PATH),
                      Endpoint("arc.his.global", base, True,
                               path="/discovery?location=westeurope&api-version=2.1")])


def once_each(listed: list[Endpoint]) -> list[Endpoint]:
    """One endpoint per URL (a region without its own HIS host uses the global one; a cloud
    given by URL serves all on one origin): the first keeps its probe, and takes on the
    purposes of the others, required or private-capable if any of them is."""
    kept: dict[str, Endpoint] = {}
    for endpoint in listed:
        first = kept.setdefault(endpoint.url, endpoint)
        if first is not endpoint:
            first.check_ids += (endpoint.check_id,)
            first.required = first.required or endpoint.required
            first.private_capable = first.private_capable or endpoint.private_capable
    return list(kept.values())
