"""The seed document's failures as named scenarios: topology and conditions, cloud data, the
agent command, and the AZCM code and message it must end with; with the install script's rows
(``installer_cases.py``).

``cmagent-cloud scenario list`` / ``scenario run NAME`` (or ``--all``). A scenario whose agent
command is not built yet is reported as such and never counts as passed.
"""

from __future__ import annotations

from cmagent.lab import preflight_cases
from cmagent.lab.cases import SEED_TABLE_1
from cmagent.lab.cases import Context
from cmagent.lab.cases import Outcome
from cmagent.lab.cases import Scenario
from cmagent.lab.cases import Setup
from cmagent.lab.cases import built
from cmagent.lab.cases import no_route
from cmagent.lab.cases import run
from cmagent.lab.installer_cases import INSTALLER_SCENARIOS
from cmagent.lab.lab import Lab

__all__ = ["BY_NAME", "NOT_ON_LINUX", "SCENARIOS", "Outcome", "built", "run"]
ONBOARDING_ROLE = "Azure Connected Machine Onboarding"


# --- setups ------------------------------------------------------------------------------------

def _sp(lab: Lab, context: Context, *roles: str) -> None:
    onboarding = lab.quickstart(*roles)
    context.flags = {"service-principal-id": onboarding["servicePrincipalId"],
                     "service-principal-secret": onboarding["servicePrincipalSecret"],
                     "tenant-id": onboarding["tenantId"],
                     "subscription-id": onboarding["subscriptionId"],
                     "resource-group": onboarding["resourceGroup"],
                     "location": onboarding["location"]}


def _device(lab: Lab, context: Context) -> None:
    _sp(lab, context)
    for key in ("service-principal-id", "service-principal-secret"):
        context.flags.pop(key)


def _with(*steps: Setup) -> Setup:
    def setup(lab: Lab, context: Context) -> None:
        for step in steps:
            step(lab, context)
    return setup


def _proxy(deny: tuple[str, ...] = ()) -> Setup:
    def setup(lab: Lab, context: Context) -> None:
        context.env["HTTPS_PROXY"] = lab.proxy(deny=deny)
    return setup


def _flags(**changes: str) -> Setup:
    def setup(lab: Lab, context: Context) -> None:
        context.flags.update({k.replace("_", "-"): v for k, v in changes.items()})
    return setup


def _unregistered(lab: Lab, context: Context) -> None:
    lab.cloud_cli("provider", "set", "--subscription-id", context.flags["subscription-id"],
                  "--namespace", "Microsoft.HybridCompute", "--registration-state",
                  "NotRegistered")


def _no_role(lab: Lab, context: Context) -> None:
    for assignment in lab.cloud_cli("role", "list"):
        if assignment["principalId"] and assignment["roleName"] == ONBOARDING_ROLE:
            lab.cloud_cli("role", "remove", "--assignment-id", assignment["id"])


def _cloud_fault(service: str, path: str, status: int) -> Setup:
    def setup(lab: Lab, context: Context) -> None:
        lab.cloud_cli("fault", "add", "--service", service, "--path-pattern", path,
                      "--status", str(status))
    return setup


def _connected_once(lab: Lab, context: Context) -> None:
    """A first, successful connect of this machine."""
    first = context.agent("connect", "--config", context.write_config())
    if first.returncode != 0:
        raise RuntimeError(f"the first connect failed: {first.stdout}{first.stderr}")


def _name_taken(lab: Lab, context: Context) -> None:
    lab.cloud_cli("machine", "create", "--subscription-id", context.flags["subscription-id"],
                  "--resource-group", context.flags["resource-group"], "--name", "web01")
    context.flags["resource-name"] = "web01"


def _no_himds(lab: Lab, context: Context) -> None:
    context.machine.run("systemctl", "stop", "himdsd")


def _bad_hostname(lab: Lab, context: Context) -> None:
    # The hostname tool refuses '_'; the kernel does not, and neither does a real machine.
    context.machine.run("python3", "-c", "import socket; socket.sethostname('web_01_')")


def _interrupt_after(seconds: int) -> Setup:
    def setup(lab: Lab, context: Context) -> None:
        context.prefix = ["timeout", "--preserve-status", "-s", "INT", str(seconds)]
    return setup


def _as_nobody(lab: Lab, context: Context) -> None:
    context.user = "nobody"


def _blocked_certs_dir(lab: Lab, context: Context) -> None:
    context.machine.run("sh", "-c", "rm -rf /var/opt/azcmagent/certs && echo 'a file where the "
                        "certificate directory belongs' > /var/opt/azcmagent/certs")


CONNECT = ["connect", "--config", "{config}"]
SEED_TABLE_2 = "seed table 2 (known connection errors)"

AGENT_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("device-flow-no-route", SEED_TABLE_2,
             "Entra ID's login names have no route; device login cannot start.",
             [*CONNECT, "--ignore-network-check"], 26,
             ("Failed to acquire authorization token device flow", "network is unreachable"),
             _with(_device, no_route("login.microsoftonline.com", "login.windows.net"))),
    Scenario("device-flow-proxy-forbidden", SEED_TABLE_2,
             "The proxy refuses the login endpoint (403).",
             [*CONNECT, "--ignore-network-check"], 26,
             ("Failed to acquire authorization token device flow", "Forbidden"),
             _with(_device, _proxy(deny=("login.microsoftonline.com", "login.windows.net")))),
    Scenario("spn-token-proxy-forbidden", SEED_TABLE_2,
             "Service principal sign-in through a proxy that refuses the login endpoint.",
             [*CONNECT, "--ignore-network-check"], 26,
             ("Failed to acquire authorization token from SPN", "Forbidden"),
             _with(_sp, _proxy(deny=("login.microsoftonline.com", "login.windows.net")))),
    Scenario("spn-invalid-secret", SEED_TABLE_2, "The service principal secret is wrong.",
             CONNECT, 41, ("Failed to acquire authorization token from SPN",
                           "Invalid client secret"),
             _with(_sp, _flags(service_principal_secret="not-the-secret"))),
    Scenario("spn-unknown-application", SEED_TABLE_2,
             "The application id is not in the tenant.", CONNECT, 41,
             ("Failed to acquire authorization token from SPN", "not found in the directory"),
             _with(_sp, _flags(service_principal_id="00000000-0000-4000-8000-000000000001"))),
    Scenario("arm-missing-role", SEED_TABLE_2,
             "The principal holds no Azure Connected Machine Onboarding role.", CONNECT, 42,
             ("Get ARM Resource Response", "does not have authorization to perform action "
              "'Microsoft.HybridCompute/machines/read'"),
             _with(_sp, _no_role)),
    Scenario("provider-not-registered", SEED_TABLE_2,
             "Microsoft.HybridCompute is not registered and the principal cannot register it.",
             CONNECT, 42, ("Failed to AzcmagentConnect ARM resource",
                           "registered to use namespace 'Microsoft.HybridCompute'"),
             _with(_sp, _unregistered)),
    Scenario("arm-proxy-forbidden", SEED_TABLE_2,
             "The proxy refuses management.azure.com.", [*CONNECT, "--ignore-network-check"],
             26, ("Failed to AzcmagentConnect ARM resource", "Forbidden"),
             _with(_sp, _proxy(deny=("management.azure.com",)))),
    Scenario("onboarding-succeeds", SEED_TABLE_1, "AZCM0000: a healthy onboarding.", CONNECT,
             0, ("Connected machine to Azure",), _sp),
    Scenario("network-precheck-fails", SEED_TABLE_1,
             "AZCM0026: the pre-connect check finds ARM unreachable.", CONNECT, 26,
             ("management.azure.com",), _with(_sp, no_route("management.azure.com"))),
    Scenario("access-token-invalid", SEED_TABLE_1, "AZCM0012: a malformed access token.",
             [*CONNECT, "--access-token", "not-a-token"], 12, ("not a JSON Web Token",),
             _with(_device)),
    Scenario("missing-parameter", SEED_TABLE_1, "AZCM0016: a mandatory value is missing.",
             ["config", "set", "proxy.url"], 16, ("<value>",)),
    Scenario("not-root", SEED_TABLE_1, "AZCM0018: an admin command run by an ordinary user.",
             ["config", "list"], 18, ("needs root",), _as_nobody),
    Scenario("config-file-missing", SEED_TABLE_1, "AZCM0019: --config names no file.",
             ["logs", "--config", "/nonexistent/connect.json"], 19, ("/nonexistent",)),
    Scenario("invalid-value", SEED_TABLE_1, "AZCM0023: a value of the wrong form.",
             ["config", "set", "config.mode", "sleepy"], 23, ("full, monitor",)),
    Scenario("delete-without-permission", SEED_TABLE_1,
             "AZCM0043: the Onboarding role cannot delete the machine.",
             ["disconnect", "--config", "{config}"], 43, ("Microsoft.HybridCompute/machines/"
                                                         "delete",),
             _with(_sp, _connected_once), needs="disconnect"),
    Scenario("resource-exists", SEED_TABLE_1,
             "AZCM0044: a machine of that name already exists.", CONNECT, 44,
             ("machines/web01 already exists",), _with(_sp, _name_taken)),
    Scenario("already-connected", SEED_TABLE_1, "AZCM0067: connect twice.", CONNECT, 67,
             ("already connected",), _with(_sp, _connected_once)),
    Scenario("subscription-name-unknown", SEED_TABLE_1,
             "AZCM0068: a subscription display name that matches nothing.", CONNECT, 68,
             ("No Such Subscription",),
             _with(_sp, _flags(subscription_id="No Such Subscription"))),
    Scenario("himds-not-running", SEED_TABLE_1,
             "AZCM0061-0070: the agent service is not running.", CONNECT, 64,
             ("himds serve",), _with(_sp, _no_himds)),
    Scenario("identity-certificate-fails", SEED_TABLE_1,
             "AZCM0081: the Hybrid Identity Service cannot issue the certificate.", CONNECT,
             81, ("could not be deleted", "az resource delete --ids"),
             _with(_sp, _cloud_fault("his", "/his/v1/certificates", 403))),
    Scenario("signed-message-fails", SEED_TABLE_1,
             "AZCM0105: the proof-of-possession challenge fails.", CONNECT, 105,
             ("challenge",), _with(_sp, _cloud_fault("his", "/his/v1/challenges", 403))),
    Scenario("cancelled", SEED_TABLE_1, "AZCM0011: Ctrl+C while waiting for device login.",
             CONNECT, 11, ("To sign in, use a web browser",), _with(_device,
                                                                    _interrupt_after(4))),
    Scenario("connect-error", SEED_TABLE_1,
             "AZCM0062: the resource manager keeps failing.", CONNECT, 62,
             ("Status Code=500",), _with(_sp, _cloud_fault("arm", "/machines/.*", 500))),
    Scenario("disconnect-error", SEED_TABLE_1, "AZCM0063: the cloud fails the disconnect.",
             ["disconnect", "--config", "{config}"], 63, ("Deleting",),
             _with(_sp, _connected_once, _cloud_fault("arm", "/machines/.*", 500)),
             needs="disconnect"),
    Scenario("hostname-unusable", SEED_TABLE_1,
             "AZCM0102: the host name is not a valid resource name.", CONNECT, 102,
             ("web_01_",), _with(_sp, _bad_hostname)),
    Scenario("command-not-parsed", SEED_TABLE_1, "AZCM0101: an unknown command.",
             ["onboard"], 101, ("Unknown command 'onboard'",), needs="version"),
    Scenario("rsa-key-fails", SEED_TABLE_1,
             "AZCM0103: the key pair cannot be stored.", ["genkey"], 103,
             ("Cannot save the private key",), _blocked_certs_dir),
)
PREFLIGHT_SCENARIOS = preflight_cases.scenarios(_sp, {s.name: s for s in AGENT_SCENARIOS})
SCENARIOS = AGENT_SCENARIOS + PREFLIGHT_SCENARIOS + INSTALLER_SCENARIOS
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
NOT_ON_LINUX = ("AZCM0147-0152 and 0153-0156, 0158-0160, 0171 as Windows installer codes (the "
                "Windows installer is not part of cmagent, which targets Linux); AZCM0134-0140 "
                "and 0144 (the real Linux script documents no condition for them); AZCM0001: "
                "an unexpected agent failure has no network or data condition that provokes it "
                "(tests/agent covers it in-process)")


