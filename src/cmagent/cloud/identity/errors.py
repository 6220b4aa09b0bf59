"""OAuth 2.0 errors as Microsoft Entra ID sends them: an ``AADSTSnnnn:`` description with trace and
correlation ids and a timestamp, the code repeated in ``error_codes``.
"""

from __future__ import annotations

import uuid

from cmagent.cloud import envelopes
from cmagent.cloud.http import Request
from cmagent.cloud.http import Response


class OAuthError(Exception):
    def __init__(self, status: int, error: str, code: int, text: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"AADSTS{code}: {text}")
        self.status = status
        self.error = error
        self.code = code
        self.text = text
        self.headers = headers
        self.client_id = ""  # set when a known client presented a wrong credential

    def response(self, request: Request) -> Response:
        correlation_id = request.header("client-request-id") or str(uuid.uuid4())
        return envelopes.entra(self.status, self.error, self.code, self.text, correlation_id,
                               request.base_url, self.headers)


def tenant_not_found(tenant: str, error: str = "invalid_request") -> OAuthError:
    return OAuthError(400, error, 90002,
                      f"Tenant '{tenant}' not found. Check to make sure you have the correct "
                      "tenant ID and are signing into the correct cloud. Check with your "
                      "subscription administrator, this may happen if there are no active "
                      "subscriptions for the tenant.")


def application_not_found(app_id: str, directory: str) -> OAuthError:
    return OAuthError(400, "unauthorized_client", 700016,
                      f"Application with identifier '{app_id}' was not found in the directory "
                      f"'{directory}'. This can happen if the application has not been installed "
                      "by the administrator of the tenant or consented to by any user in the "
                      "tenant. You may have sent your authentication request to the wrong tenant.")


def invalid_secret(app_id: str) -> OAuthError:
    return OAuthError(401, "invalid_client", 7000215,
                      "Invalid client secret provided. Ensure the secret being sent in the "
                      "request is the client secret value, not the client secret ID, for a secret "
                      f"added to app '{app_id}'.")


def expired_secret(app_id: str) -> OAuthError:
    return OAuthError(401, "invalid_client", 7000222,
                      f"The provided client secret keys for app '{app_id}' are expired. Visit "
                      "the Azure portal to create new keys for your app: "
                      "https://aka.ms/NewClientSecret, or consider using certificate credentials "
                      "for added security: https://aka.ms/certCreds.")


def missing_credential() -> OAuthError:
    return OAuthError(401, "invalid_client", 7000218,
                      "The request body must contain the following parameter: 'client_assertion' "
                      "or 'client_secret'.")


def bad_assertion(reason: str) -> OAuthError:
    return OAuthError(401, "invalid_client", 700027,
                      f"Client assertion failed signature validation. [Reason - {reason}]")


def too_many_failures(seconds: float) -> OAuthError:
    wait = max(1, int(seconds + 0.999))
    return OAuthError(429, "temporarily_unavailable", 90055,
                      f"There are too many failed sign-in attempts for this application. Retry "
                      f"after {wait} seconds.", {"Retry-After": str(wait)})


def account_locked() -> OAuthError:
    return OAuthError(400, "invalid_grant", 50053,
                      "The account is locked, you've tried to sign in too many times with an "
                      "incorrect user ID or password.")


def invalid_jwt(reason: str) -> OAuthError:
    return OAuthError(401, "invalid_client", 50027, f"JWT token is invalid or malformed. {reason}")


def replayed_assertion() -> OAuthError:
    return OAuthError(401, "invalid_client", 50013,
                      "Assertion is invalid: its 'jti' was already used. Create a new assertion "
                      "for every token request.")


def assertion_time(reason: str) -> OAuthError:
    return OAuthError(400, "invalid_client", 700024,
                      f"Client assertion is not within its valid time range. {reason}")


def missing_parameter(name: str) -> OAuthError:
    return OAuthError(400, "invalid_request", 900144,
                      f"The request body must contain the following parameter: '{name}'.")


def unsupported_grant(grant: str) -> OAuthError:
    return OAuthError(400, "unsupported_grant_type", 70003,
                      f"The app requested an unsupported grant type '{grant}'.")


def invalid_scope(scope: str, detail: str = "") -> OAuthError:
    return OAuthError(400, "invalid_scope", 70011,
                      f"The provided value for the input parameter 'scope' is not valid. {detail}"
                      f"The scope {scope} is not valid.")


def resource_not_found(resource: str, tenant: str) -> OAuthError:
    return OAuthError(400, "invalid_resource", 500011,
                      f"The resource principal named {resource} was not found in the tenant "
                      f"named {tenant}. This can happen if the application has not been installed "
                      "by the administrator of the tenant or consented to by any user in the "
                      "tenant. You might have sent your authentication request to the wrong "
                      "tenant.")


def public_client_with_secret() -> OAuthError:
    return OAuthError(400, "invalid_client", 700025,
                      "Client is public so neither 'client_assertion' nor 'client_secret' should "
                      "be presented.")


def authorization_pending() -> OAuthError:
    return OAuthError(400, "authorization_pending", 70016,
                      "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")


def device_code_expired() -> OAuthError:
    return OAuthError(400, "expired_token", 70020,
                      "The provided value for the input parameter 'device_code' is not valid. "
                      "This device code has expired.")


def authorization_declined() -> OAuthError:
    return OAuthError(400, "authorization_declined", 65004,
                      "User declined to consent to access the app.")


def bad_device_code() -> OAuthError:
    return OAuthError(400, "bad_verification_code", 70000,
                      "The provided value for the input parameter 'device_code' is not valid.")


def common_endpoint_grant() -> OAuthError:
    return OAuthError(400, "invalid_request", 9001023,
                      "The grant type isn't supported over the /common or /consumers endpoints. "
                      "Please use the /organizations or tenant-specific endpoint.")


def post_only() -> OAuthError:
    return OAuthError(400, "invalid_request", 900561,
                      "The endpoint only accepts POST requests.")


def user_not_in_tenant(tenant: str) -> OAuthError:
    return OAuthError(400, "invalid_grant", 50034,
                      f"The user account {{EUII Hidden}} does not exist in the '{tenant}' "
                      "directory. To sign into this application, the account must be added to "
                      "the directory.")


def wrong_password() -> OAuthError:
    return OAuthError(400, "invalid_grant", 50126,
                      "Error validating credentials due to invalid username or password.")


def refresh_token_unknown() -> OAuthError:
    return OAuthError(400, "invalid_grant", 9002313,
                      "Invalid request. Request is malformed or invalid.")


def refresh_token_other_client() -> OAuthError:
    return OAuthError(400, "invalid_grant", 70000,
                      "Provided grant is invalid or malformed: the refresh token was issued to "
                      "another client.")


def refresh_token_inactive(issued: str, inactive: str) -> OAuthError:
    return OAuthError(400, "invalid_grant", 700082,
                      f"The refresh token has expired due to inactivity. The token was issued on "
                      f"{issued} and was inactive for {inactive}.")


def refresh_token_revoked(issued: str, valid_from: str) -> OAuthError:
    return OAuthError(400, "invalid_grant", 50173,
                      "The provided grant has expired due to it being revoked, a fresh auth "
                      "token is needed. The user might have changed or reset their password. "
                      f"The grant was issued on '{issued}' and the TokensValidFrom date (before "
                      f"which tokens are not valid) for this user is '{valid_from}'.")


def unknown_instance() -> OAuthError:
    return OAuthError(400, "invalid_instance", 50049,
                      "Unknown or invalid instance: the authority's host is not this cloud.")
