"""Built-in Azure role definitions (real ids and actions) and action matching."""

from __future__ import annotations

import re
from functools import cache


class RoleDefinition:
    def __init__(self, role_id: str, name: str, description: str, actions: tuple[str, ...],
                 not_actions: tuple[str, ...] = ()) -> None:
        self.id = role_id
        self.name = name
        self.description = description
        self.actions = actions
        self.not_actions = not_actions

    def allows(self, action: str) -> bool:
        return any(_matches(p, action) for p in self.actions) and \
            not any(_matches(p, action) for p in self.not_actions)

    def to_json(self) -> dict[str, object]:
        return {
            "id": f"/providers/Microsoft.Authorization/roleDefinitions/{self.id}",
            "name": self.id, "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {"roleName": self.name, "description": self.description,
                           "type": "BuiltInRole", "assignableScopes": ["/"],
                           "permissions": [{"actions": list(self.actions),
                                            "notActions": list(self.not_actions),
                                            "dataActions": [], "notDataActions": []}]},
        }


BUILT_IN: tuple[RoleDefinition, ...] = (
    RoleDefinition("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
                   "Grants full access to manage all resources, including the ability to assign "
                   "roles in Azure RBAC.", ("*",)),
    RoleDefinition("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
                   "Grants full access to manage all resources, but does not allow you to assign "
                   "roles in Azure RBAC.", ("*",),
                   ("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                    "Microsoft.Authorization/elevateAccess/Action",
                    "Microsoft.Blueprint/blueprintAssignments/write",
                    "Microsoft.Blueprint/blueprintAssignments/delete",
                    "Microsoft.Compute/galleries/share/action",
                    "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
                    "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
                    "Microsoft.Subscription/cancel/action",
                    "Microsoft.Subscription/enable/action")),
    RoleDefinition("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader",
                   "View all resources, but does not allow you to make any changes.",
                   ("*/read",)),
    RoleDefinition("b64e21ea-ac4e-4cdf-9dc9-5b892992bee7", "Azure Connected Machine Onboarding",
                   "Can onboard Azure Connected Machines.",
                   ("Microsoft.HybridCompute/machines/read",
                    "Microsoft.HybridCompute/machines/write",
                    "Microsoft.HybridCompute/privateLinkScopes/read",
                    "Microsoft.GuestConfiguration/guestConfigurationAssignments/read")),
    RoleDefinition("cd570a14-e51a-42ad-bac8-bafd67325302",
                   "Azure Connected Machine Resource Administrator",
                   "Can read, write, delete and re-onboard Azure Connected Machines.",
                   ("Microsoft.HybridCompute/machines/read",
                    "Microsoft.HybridCompute/machines/write",
                    "Microsoft.HybridCompute/machines/delete",
                    "Microsoft.HybridCompute/machines/UpgradeExtensions/action",
                    "Microsoft.HybridCompute/machines/extensions/read",
                    "Microsoft.HybridCompute/machines/extensions/write",
                    "Microsoft.HybridCompute/machines/extensions/delete",
                    "Microsoft.HybridCompute/privateLinkScopes/*",
                    "Microsoft.HybridCompute/*/read",
                    "Microsoft.Resources/deployments/*",
                    "Microsoft.HybridCompute/licenses/write",
                    "Microsoft.HybridCompute/licenses/delete",
                    "Microsoft.HybridCompute/machines/licenseProfiles/read",
                    "Microsoft.HybridCompute/machines/licenseProfiles/write",
                    "Microsoft.HybridCompute/machines/licenseProfiles/delete",
                    "Microsoft.HybridCompute/machines/runCommands/read",
                    "Microsoft.HybridCompute/machines/runCommands/write",
                    "Microsoft.HybridCompute/machines/runCommands/delete")),
)
BY_ID = {role.id: role for role in BUILT_IN}
BY_NAME = {role.name.lower(): role for role in BUILT_IN}


def find(name_or_id: str) -> RoleDefinition | None:
    key = name_or_id.rsplit("/", 1)[-1].lower()
    return BY_ID.get(key) or BY_NAME.get(name_or_id.lower())


@cache
def _pattern(action_pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(action_pattern).replace(r"\*", ".*") + r"\Z", re.IGNORECASE)


def _matches(action_pattern: str, action: str) -> bool:
    return bool(_pattern(action_pattern).match(action))
