"""The public cloud's real host names the lab answers (AzureCloud endpoint list), each of
which the lab gives its own address on the cloud host."""

from __future__ import annotations

ENTRA = ("login.microsoftonline.com", "login.windows.net", "pas.windows.net")
ARM = ("management.azure.com",)
HIS = ("gbl.his.arc.azure.com", "weu.his.arc.azure.com", "eus.his.arc.azure.com")
GUEST_CONFIGURATION = ("agentserviceapi.guestconfiguration.azure.com",
                       "westeurope-gas.guestconfiguration.azure.com",
                       "eastus-gas.guestconfiguration.azure.com")
NOTIFICATION = ("guestnotificationservice.azure.com",)
DOWNLOADS = ("packages.microsoft.com", "aka.ms")
ALL = [*ENTRA, *ARM, *HIS, *GUEST_CONFIGURATION, *NOTIFICATION, *DOWNLOADS]
WILDCARDS = ("*.his.arc.azure.com", "*.guestconfiguration.azure.com")


def hosts_file(addresses: dict[str, str]) -> str:
    lines = ["127.0.0.1 localhost", "::1 localhost"]
    lines += [f"{address} {name}" for name, address in addresses.items()]
    return "\n".join(lines) + "\n"
