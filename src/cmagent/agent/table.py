"""The azcmagent command table: every command, its flags and its help, as data.

Handlers are named as ``module:function`` strings and imported only when their command runs,
so that ``azcmagent version`` never loads what ``genkey`` or ``logs`` need.
"""

from __future__ import annotations

from cmagent.agent import options as records
from cmagent.agent.cli import Command
from cmagent.agent.cli import Option
from cmagent.agent.cli import Positional

_CONFIG = "cmagent.agent.commands.config_cmd"

CONFIG = Command(
    "config",
    "Manage the agent's local settings.",
    "Read and change the agent's local settings (proxy, extension allow/block lists, agent "
    "mode and more). Settings are kept on this machine only and can be set before the machine "
    "is connected. 'azcmagent config info' describes every property.",
    subcommands=(
        Command("list", "List every local setting and its current value.",
                handler=f"{_CONFIG}:list_settings",
                examples=("azcmagent config list", "azcmagent config list --json")),
        Command("get", "Print the value of one local setting.",
                handler=f"{_CONFIG}:get_setting", record=records.PropertyOptions,
                positionals=(Positional("property", "The setting to read, e.g. proxy.url."),),
                examples=("azcmagent config get proxy.url",)),
        Command("set", "Change the value of one local setting.",
                "Change a local setting. For settings that take several values, the given "
                "comma-separated list replaces the current one unless --add or --remove is used.",
                handler=f"{_CONFIG}:set_setting", record=records.ConfigSetOptions,
                positionals=(Positional("property", "The setting to change."),
                             Positional("value", "The new value; a comma-separated list for "
                                        "multi-valued settings.")),
                options=(Option("add", "Append the values to the current list.", short="a",
                                kind="bool"),
                         Option("remove", "Remove the values from the current list.", short="r",
                                kind="bool")),
                examples=("azcmagent config set proxy.url http://proxy.contoso.corp:8080",
                          "azcmagent config set proxy.bypass \"ARM,Arc\"",
                          "azcmagent config set extensions.blocklist "
                          "Microsoft.Azure.Extensions/CustomScript --add")),
        Command("clear", "Reset one local setting to its default value.",
                handler=f"{_CONFIG}:clear_setting", record=records.PropertyOptions,
                positionals=(Positional("property", "The setting to reset."),),
                examples=("azcmagent config clear proxy.url",)),
        Command("info", "Describe the local settings and the values they accept.",
                handler=f"{_CONFIG}:info", record=records.InfoOptions,
                positionals=(Positional("property", "Describe only this setting.",
                                        required=False),),
                examples=("azcmagent config info", "azcmagent config info proxy.bypass")),
    ),
)

GENKEY = Command(
    "genkey",
    "Generate a key pair for asynchronous onboarding.",
    "Generate an RSA-2048 key pair for asynchronous onboarding. The private key is saved under "
    "/var/opt/azcmagent/certs (readable by root only); the public key is printed as base64 "
    "PKCS#1 DER, ready for the machine resource's clientPublicKey. Most users should use "
    "'azcmagent connect' instead.",
    handler="cmagent.agent.commands.genkey:run",
    examples=("azcmagent genkey", "azcmagent genkey --json"),
)

LOGS = Command(
    "logs",
    "Collect the agent's logs into a ZIP file.",
    "Collect the agent's logs and settings into a ZIP file for troubleshooting. Secrets "
    "(tokens, keys, passwords) are masked in every collected file. By default only the most "
    "recent file of each log is collected.",
    handler="cmagent.agent.commands.logs:run", record=records.LogsOptions,
    options=(Option("full", "Collect every log file, not only the most recent ones.", short="f",
                    kind="bool"),
             Option("output", "Path and name of the ZIP file. Default: "
                    "azcmagent-<TIMESTAMP>-<HOSTNAME>.zip in the current directory.",
                    short="o", metavar="PATH")),
    examples=("azcmagent logs", "azcmagent logs --full --output /tmp/azcmagent-logs.zip"),
)

CHECK = Command(
    "check",
    "Check connectivity to the endpoints the agent needs.",
    "Test every endpoint this machine needs for the chosen cloud and region, layer by layer "
    "(name resolution, TCP or proxy CONNECT, TLS, HTTP), through the same proxy and trust store "
    "the agent uses, and say what blocks any that fail. Exits 0 when every required endpoint is "
    "reachable, 26 (AZCM0026) otherwise; optional endpoints never fail the run.",
    handler="cmagent.agent.commands.check:run", record=records.CheckOptions,
    options=(Option("location", "Region to check, e.g. westeurope. Default: the connected "
                    "machine's region.", short="l"),
             Option("cloud", "AzureCloud, AzureUSGovernment, AzureChinaCloud, or the https URL "
                    "of a cloud. Default: the connected cloud, else AzureCloud."),
             Option("enable-pls-check", "Also require the private-link endpoints to resolve to "
                    "private addresses.", short="p", kind="bool"),
             Option("extensions", "Also check extension endpoints: all or sql.", short="e",
                    choices=("all", "sql")),
             Option("include-all", "Also check the endpoints of extended use cases (on Linux: "
                    "every extension's, as --extensions all).", kind="bool")),
    examples=("azcmagent check --location westeurope",
              "azcmagent check -l eastus --enable-pls-check --json"),
    # The file used for connect serves for check (its location and cloud): fleets keep one.
    config_ignores=("access-token", "service-principal-id", "service-principal-secret",
                    "service-principal-cert", "tenant-id", "use-device-code", "use-azcli",
                    "user-tenant-id", "resource-group", "subscription-id", "resource-name",
                    "tags", "correlation-id", "private-link-scope", "ignore-network-check",
                    "skip-network-check", "enable-automatic-upgrade", "gateway-id",
                    "automanage-profile", "identity-key-store", "use-aws-ec2-hostname"),
)

_AUTH_OPTIONS = (
    Option("access-token", "A Microsoft Entra access token for Azure Resource Manager.",
           secret=True),
    Option("service-principal-id", "Application (client) id of the service principal.",
           short="i"),
    Option("service-principal-secret", "Secret of the service principal (prefer --config to "
           "keep it off the command line).", short="p", secret=True),
    Option("service-principal-cert", "Path of a PEM or unencrypted PFX file with the service "
           "principal's certificate and private key.", metavar="PATH"),
    Option("tenant-id", "Tenant of the subscription (GUID).", short="t"),
    Option("use-device-code", "Sign in with a device code in a browser (the default on Linux).",
           kind="bool"),
    Option("use-azcli", "Use the signed-in Azure CLI's credentials.", kind="bool"),
    Option("user-tenant-id", "Tenant of the signing-in account when it differs from the "
           "resource's tenant (Azure Lighthouse)."),
)

CONNECT = Command(
    "connect",
    "Connect this server to Azure Arc.",
    "Create the Azure Arc-enabled server resource for this machine and bind the agent to it: "
    "sign in, check the network, create the resource with a system-assigned identity, fetch the "
    "identity certificate and hand the connection to the himds service. A failure after the "
    "resource was created deletes it again.",
    handler="cmagent.agent.commands.connect:run", record=records.ConnectOptions,
    options=(*_AUTH_OPTIONS,
             Option("location", "Azure region of the resource, e.g. westeurope.", short="l",
                    required=True),
             Option("resource-group", "Resource group of the resource (created if missing).",
                    short="g", required=True),
             Option("subscription-id", "Subscription GUID or display name.", short="s",
                    required=True),
             Option("resource-name", "Name of the resource. Default: the host name.",
                    short="n"),
             Option("tags", "Tags: 'Name=Value,Name2=Value2'; single-quote values with "
                    "spaces."),
             Option("cloud", "AzureCloud, AzureUSGovernment, AzureChinaCloud, or the https URL "
                    "of a cloud. Default: AZCMAGENT_CLOUD, else AzureCloud."),
             Option("correlation-id", "A GUID that tags this onboarding for tracking."),
             Option("private-link-scope", "Resource ID of an Azure Arc private link scope."),
             Option("ignore-network-check", "Go on even if the network pre-check fails.",
                    kind="bool"),
             Option("skip-network-check", "Old name of --ignore-network-check.", kind="bool"),
             Option("enable-automatic-upgrade", "Turn on automatic agent upgrade.",
                    kind="bool"),
             Option("gateway-id", "Resource ID of an Azure Arc gateway (not supported)."),
             Option("automanage-profile", "Automanage profile (not supported)."),
             Option("identity-key-store", "Where the identity key lives: Default."),
             Option("use-aws-ec2-hostname", "Name the resource after the host name on AWS "
                    "(always the case here).", kind="bool"),
             Option("dry-run", "Run every check that only reads (himds, network, sign-in, "
                    "subscription, providers, permissions, name, location) and report each "
                    "problem, creating, changing and deleting nothing.", kind="bool")),
    examples=("azcmagent connect --config /root/onboarding.json",
              "azcmagent connect --config /root/onboarding.json --dry-run",
              "azcmagent connect -i APP_ID -p SECRET -t TENANT -s SUBSCRIPTION -g arc -l "
              "westeurope"),
)

DISCONNECT = Command(
    "disconnect",
    "Disconnect this server from Azure Arc.",
    "Delete the Azure Arc-enabled server resource (and its managed identity) and clear the "
    "agent's connection: key, certificate and resource identifiers. Local settings stay. "
    "Deleting needs a role such as 'Azure Connected Machine Resource Administrator'.",
    handler="cmagent.agent.commands.disconnect:run", record=records.DisconnectOptions,
    options=(*_AUTH_OPTIONS,
             Option("force-local-only", "Only clear the local state; do not call Azure.",
                    short="f", kind="bool"),
             Option("cloud", "The cloud, when it differs from the connected one.")),
    examples=("azcmagent disconnect --config /root/onboarding.json",
              "azcmagent disconnect --force-local-only"),
    # The file used for connect serves for disconnect: its resource keys are not needed here.
    config_ignores=("subscription-id", "resource-group", "location", "resource-name", "tags",
                    "correlation-id", "private-link-scope"),
)

SHOW = Command(
    "show",
    "Show the agent's status and the machine's resource.",
    "Print the connection (resource identifiers, cloud, location), the agent's status and last "
    "heartbeat, proxy settings and the dependent services. Filter with property names, as "
    "shown or as JSON keys.",
    handler="cmagent.agent.commands.show:run", record=records.ShowOptions,
    positionals=(Positional("property", "Show only these properties.", required=False,
                            many=True),),
    options=(Option("os", "Also show operating system details.", kind="bool"),),
    needs_root=False,
    examples=("azcmagent show", "azcmagent show status lastHeartbeat", "azcmagent show -j"),
)

_INFO = "cmagent.agent.commands.info"
VERSION = Command("version", "Print the agent's version.", handler=f"{_INFO}:version",
                  needs_root=False, examples=("azcmagent version",))
LICENSE = Command("license", "Print the agent's licence.", handler=f"{_INFO}:license_text",
                  needs_root=False, examples=("azcmagent license",))
HELP = Command("help", "Print usage and the list of commands.",
               handler=f"{_INFO}:help_text", needs_root=False, record=records.HelpOptions,
               positionals=(Positional("command", "Show the help of this command.",
                                       required=False, many=True),),
               examples=("azcmagent help", "azcmagent help config set"))

ROOT = Command(
    "azcmagent",
    "Azure Connected Machine agent.",
    "azcmagent connects this server to an Azure Arc control plane and manages the agent's "
    "local state. Run 'azcmagent <command> --help' for the syntax of each command.",
    subcommands=(CHECK, CONFIG, CONNECT, DISCONNECT, GENKEY, HELP, LICENSE, LOGS, SHOW,
                 VERSION),
)
