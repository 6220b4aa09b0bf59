"""ARM's refusals, to raise: the envelope (``envelopes.arm``) and the errors ARM's front door
and its handlers share."""

from __future__ import annotations

from typing import Any

from cmagent.cloud import envelopes
from cmagent.cloud.http import HttpError


def arm_error(status: int, code: str, message: str, *, details: list[dict[str, Any]] | None = None,
              target: str | None = None, headers: dict[str, str] | None = None) -> HttpError:
    return HttpError(envelopes.arm(status, code, message, target=target, details=details,
                                   headers=headers))


def missing_registration(namespace: str) -> HttpError:
    message = (f"The subscription is not registered to use namespace '{namespace}'. See "
               "https://aka.ms/rps-not-found for how to register subscriptions.")
    return arm_error(409, "MissingSubscriptionRegistration", message,
                     details=[{"code": "MissingSubscriptionRegistration", "target": namespace,
                               "message": message}])


def authorization_failed(client: str, object_id: str, action: str, scope: str) -> HttpError:
    return arm_error(403, "AuthorizationFailed",
                     f"The client '{client}' with object id '{object_id}' does not have "
                     f"authorization to perform action '{action}' over scope '{scope}' or the "
                     "scope is invalid. If access was recently granted, please refresh your "
                     "credentials.")


def subscription_not_found(subscription_id: str) -> HttpError:
    return arm_error(404, "SubscriptionNotFound",
                     f"The subscription '{subscription_id}' could not be found.")


def group_not_found(group: str) -> HttpError:
    return arm_error(404, "ResourceGroupNotFound", f"Resource group '{group}' could not be found.")


def resource_not_found(resource_type: str, name: str, group: str) -> HttpError:
    return arm_error(404, "ResourceNotFound",
                     f"The Resource '{resource_type}/{name}' under resource group '{group}' was "
                     "not found. For more details please go to "
                     "https://aka.ms/ARMResourceNotFoundFix")


def invalid_body(message: str) -> HttpError:
    return arm_error(400, "InvalidRequestContent", message)
