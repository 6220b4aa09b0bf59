"""The few Azure Resource Manager calls the agent makes, and ARM's errors as ``ArmError``."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import requests

from cmagent.wire import neterrors

MACHINES_API = "2024-07-10"
RESOURCES_API = "2022-09-01"
SUBSCRIPTIONS_API = "2022-12-01"
AUTHORIZATION_API = "2022-04-01"
PROVIDERS = ("Microsoft.HybridCompute", "Microsoft.GuestConfiguration",
             "Microsoft.HybridConnectivity", "Microsoft.AzureArcData")


class ArmError(Exception):
    """An ARM refusal (``status``, ``code``, ``message``) or a network failure (status 0)."""

    def __init__(self, method: str, url: str, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.message = message

    @property
    def network(self) -> bool:
        return self.status == 0


class Arm:
    def __init__(self, session: requests.Session, base: str, token: str,
                 correlation_id: str) -> None:
        self._session = session
        self._base = base.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}",
                         "x-ms-correlation-request-id": correlation_id}

    def _call(self, method: str, path: str, api: str, body: Any = None) -> requests.Response:
        url = f"{self._base}{path}?api-version={api}"
        try:
            response = self._session.request(method, url, json=body, headers=self._headers)
        except requests.RequestException as error:
            raise ArmError(method, url, 0, "NetworkError",
                           neterrors.describe(method, url, error)) from None
        if response.status_code >= 400:
            raise _error(method, url, response)
        return response

    def _document(self, method: str, path: str, api: str, body: Any = None) -> dict[str, Any]:
        """The answer's JSON object; an answer that is none is an ArmError (a page that a
        proxy sent in ARM's place is no resource)."""
        response = self._call(method, path, api, body)
        document = neterrors.json_object(response)
        if document is None:
            raise self._not_arms(method, path, api, response)
        return document

    def _not_arms(self, method: str, path: str, api: str,
                  response: requests.Response) -> ArmError:
        url = f"{self._base}{path}?api-version={api}"
        return ArmError(method, url, response.status_code, "InvalidResponse",
                        neterrors.not_json(method, url, response))

    def subscriptions(self) -> list[dict[str, Any]]:
        return list(self._document("GET", "/subscriptions", SUBSCRIPTIONS_API).get("value", []))

    def registration(self, subscription: str, namespace: str) -> str:
        path = f"/subscriptions/{subscription}/providers/{namespace}"
        return str(self._document("GET", path, RESOURCES_API).get("registrationState"))

    def locations(self, subscription: str) -> list[str]:
        answer = self._document("GET", f"/subscriptions/{subscription}/locations",
                                SUBSCRIPTIONS_API)
        return [str(location.get("name", "")) for location in answer.get("value", [])]

    def permissions(self, scope: str) -> list[dict[str, Any]]:
        """What the caller may do at ``scope`` (ARM's permissions API)."""
        answer = self._document("GET", f"{scope}/providers/Microsoft.Authorization/permissions",
                                AUTHORIZATION_API)
        return list(answer.get("value", []))

    def register(self, subscription: str, namespace: str) -> None:
        self._call("POST", f"/subscriptions/{subscription}/providers/{namespace}/register",
                   RESOURCES_API)

    def group_exists(self, subscription: str, group: str) -> bool:
        try:
            self._call("GET", f"/subscriptions/{subscription}/resourceGroups/{quote(group)}",
                       RESOURCES_API)
        except ArmError as error:
            if error.status == 404:
                return False
            raise
        return True

    def create_group(self, subscription: str, group: str, location: str) -> None:
        self._call("PUT", f"/subscriptions/{subscription}/resourceGroups/{quote(group)}",
                   RESOURCES_API, {"location": location})

    def machine(self, resource_id: str) -> dict[str, Any] | None:
        try:
            return self._document("GET", resource_id, MACHINES_API)
        except ArmError as error:
            if error.status == 404:
                return None
            raise

    def put_machine(self, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._document("PUT", resource_id, MACHINES_API, body)

    def delete_machine(self, resource_id: str) -> None:
        """Delete it (gone already counts); an answer with a body that is no JSON (a page
        a proxy sent) is an ArmError: nothing says the resource went."""
        try:
            response = self._call("DELETE", resource_id, MACHINES_API)
        except ArmError as error:
            if error.status != 404:
                raise
            return
        if response.content.strip() and neterrors.json_object(response) is None:
            raise self._not_arms("DELETE", resource_id, MACHINES_API, response)


def _error(method: str, url: str, response: requests.Response) -> ArmError:
    code, message = neterrors.azure_error(response) or (f"HTTP{response.status_code}",
                                                         response.reason or "error")
    return ArmError(method, url, response.status_code, code, message)


def permits(permissions: list[dict[str, Any]], action: str) -> bool:
    """Whether any entry allows ``action`` (its actions match, its notActions do not), with
    ARM's '*' wildcards and without regard to case."""
    return any(_any_match(entry.get("actions", []), action) and
               not _any_match(entry.get("notActions", []), action) for entry in permissions)


def _any_match(patterns: list[str], action: str) -> bool:
    return any(re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), action, re.IGNORECASE)
               for pattern in patterns)


def machine_id(subscription: str, group: str, name: str) -> str:
    return (f"/subscriptions/{subscription}/resourceGroups/{group}/providers/"
            f"Microsoft.HybridCompute/machines/{name}")
