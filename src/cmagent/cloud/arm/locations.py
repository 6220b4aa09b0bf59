"""The Azure regions the cloud offers, as ``GET /subscriptions/{id}/locations`` lists them.

Names, display names, geographies, coordinates and pairs are Azure's; the physical zone names
are made up per subscription, as Azure's are.
"""

from __future__ import annotations

from typing import Any

# name: (display name, geography, geography group, latitude, longitude, paired region)
REGIONS: dict[str, tuple[str, str, str, str, str, str]] = {
    "eastus": ("East US", "United States", "US", "37.3719", "-79.8164", "westus"),
    "eastus2": ("East US 2", "United States", "US", "36.6681", "-78.3889", "centralus"),
    "westus": ("West US", "United States", "US", "37.783", "-122.417", "eastus"),
    "westus2": ("West US 2", "United States", "US", "47.233", "-119.852", "westcentralus"),
    "westcentralus": ("West Central US", "United States", "US", "40.89", "-110.234", "westus2"),
    "centralus": ("Central US", "United States", "US", "41.5908", "-93.6208", "eastus2"),
    "canadacentral": ("Canada Central", "Canada", "Canada", "43.653", "-79.383", "canadaeast"),
    "canadaeast": ("Canada East", "Canada", "Canada", "46.817", "-71.217", "canadacentral"),
    "brazilsouth": ("Brazil South", "Brazil", "South America", "-23.55", "-46.633",
                    "southcentralus"),
    "southcentralus": ("South Central US", "United States", "US", "29.4167", "-98.5",
                       "northcentralus"),
    "northcentralus": ("North Central US", "United States", "US", "41.8819", "-87.6278",
                       "southcentralus"),
    "northeurope": ("North Europe", "Europe", "Europe", "53.3478", "-6.2597", "westeurope"),
    "westeurope": ("West Europe", "Europe", "Europe", "52.3667", "4.9", "northeurope"),
    "uksouth": ("UK South", "United Kingdom", "Europe", "50.941", "-0.799", "ukwest"),
    "ukwest": ("UK West", "United Kingdom", "Europe", "53.427", "-3.084", "uksouth"),
    "francecentral": ("France Central", "France", "Europe", "46.3772", "2.373", "francesouth"),
    "francesouth": ("France South", "France", "Europe", "43.8345", "2.1972", "francecentral"),
    "germanywestcentral": ("Germany West Central", "Germany", "Europe", "50.110924",
                           "8.682127", "germanynorth"),
    "germanynorth": ("Germany North", "Germany", "Europe", "53.073635", "8.806422",
                     "germanywestcentral"),
    "swedencentral": ("Sweden Central", "Sweden", "Europe", "60.67488", "17.14127",
                      "swedensouth"),
    "swedensouth": ("Sweden South", "Sweden", "Europe", "55.60365", "13.00073",
                    "swedencentral"),
    "japaneast": ("Japan East", "Japan", "Asia Pacific", "35.68", "139.77", "japanwest"),
    "japanwest": ("Japan West", "Japan", "Asia Pacific", "34.6939", "135.5022", "japaneast"),
    "koreacentral": ("Korea Central", "Korea", "Asia Pacific", "37.5665", "126.978",
                     "koreasouth"),
    "koreasouth": ("Korea South", "Korea", "Asia Pacific", "35.1796", "129.0756",
                   "koreacentral"),
    "southeastasia": ("Southeast Asia", "Asia Pacific", "Asia Pacific", "1.283", "103.833",
                      "eastasia"),
    "eastasia": ("East Asia", "Asia Pacific", "Asia Pacific", "22.267", "114.188",
                 "southeastasia"),
    "australiaeast": ("Australia East", "Australia", "Asia Pacific", "-33.86", "151.2094",
                      "australiasoutheast"),
    "australiasoutheast": ("Australia Southeast", "Australia", "Asia Pacific", "-37.8136",
                           "144.9631", "australiaeast"),
    "centralindia": ("Central India", "India", "Asia Pacific", "18.5822", "73.9197",
                     "southindia"),
    "southindia": ("South India", "India", "Asia Pacific", "12.9822", "80.1636",
                   "centralindia"),
}
_ZONED = {"eastus", "eastus2", "westus2", "centralus", "canadacentral", "brazilsouth",
          "southcentralus", "northeurope", "westeurope", "uksouth", "francecentral",
          "germanywestcentral", "swedencentral", "japaneast", "koreacentral", "southeastasia",
          "eastasia", "australiaeast", "centralindia"}


def display_names() -> list[str]:
    return [region[0] for region in REGIONS.values()]


def normal(name: str) -> str:
    """A location as ARM stores it: 'West Europe' → 'westeurope'."""
    return name.replace(" ", "").lower()


def is_known(name: str) -> bool:
    """A location as ARM accepts it: its name (``westeurope``) or display name, in any case
    and spacing (``West Europe``)."""
    return normal(name) in REGIONS


def location_json(subscription_id: str, name: str, zones: bool) -> dict[str, Any]:
    display, geography, group, latitude, longitude, pair = REGIONS[name]
    document: dict[str, Any] = {
        "id": f"/subscriptions/{subscription_id}/locations/{name}", "name": name,
        "type": "Region", "displayName": display, "regionalDisplayName": f"({group}) {display}",
        "metadata": {"regionType": "Physical", "regionCategory": "Recommended"
                     if name in _ZONED else "Other", "geography": geography,
                     "geographyGroup": group, "longitude": longitude, "latitude": latitude,
                     "physicalLocation": display,
                     "pairedRegion": [{"name": pair,
                                       "id": f"/subscriptions/{subscription_id}/locations/"
                                             f"{pair}"}]}}
    if zones and name in _ZONED:
        document["availabilityZoneMappings"] = [
            {"logicalZone": str(zone), "physicalZone": f"{name}-az{zone}"} for zone in (1, 2, 3)]
    return document
