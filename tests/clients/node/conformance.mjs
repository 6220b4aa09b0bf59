// The Azure SDKs for JavaScript, unmodified, against the local cloud. Run by
// tests/clients/test_node.py; prints one JSON object of what each client saw.
// The cloud's CA comes from NODE_EXTRA_CA_CERTS; every setting from the environment.
import { ClientSecretCredential, DeviceCodeCredential } from "@azure/identity";
import { HybridComputeManagementClient } from "@azure/arm-hybridcompute";
import { ResourceManagementClient } from "@azure/arm-resources";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";

const env = process.env;
const scopes = ["https://management.azure.com/.default"];
const clientOptions = { endpoint: env.CLOUD_URL, credentialScopes: scopes };

function credential() {
  const options = { authorityHost: env.CLOUD_URL, disableInstanceDiscovery: true };
  if (env.MODE === "device") {
    return new DeviceCodeCredential({
      ...options, tenantId: env.TENANT_ID, clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      userPromptCallback: (info) => process.stderr.write(`CODE ${info.userCode}\n`),
    });
  }
  return new ClientSecretCredential(env.TENANT_ID, env.CLIENT_ID, env.CLIENT_SECRET, options);
}

async function all(iterator) {
  const items = [];
  for await (const item of iterator) items.push(item);
  return items;
}

async function resourceManager(cred, seen) {
  const arm = new ResourceManagementClient(cred, env.SUBSCRIPTION_ID, clientOptions);
  await arm.resourceGroups.createOrUpdate("node-rg", { location: "westeurope", tags: { a: "1" } });
  seen.groupExists = (await arm.resourceGroups.checkExistence("node-rg")).body;
  seen.missingGroupExists = (await arm.resourceGroups.checkExistence("no-rg")).body;
  seen.updatedTags = (await arm.resourceGroups.update("node-rg", { tags: { b: "2" } })).tags;
  seen.groups = (await all(arm.resourceGroups.list())).map((g) => g.name).sort();
  seen.resources = (await all(arm.resources.list())).map((r) => `${r.type}/${r.name}`);
  seen.hybridComputeState = (await arm.providers.get("Microsoft.HybridCompute")).registrationState;
  await arm.resourceGroups.beginDeleteAndWait("node-rg", { updateIntervalInMs: 50 });
  try {
    await arm.resourceGroups.get("node-rg");
  } catch (error) {
    seen.deletedGroupError = { status: error.statusCode, code: error.code };
  }
}

async function main() {
  const cred = credential();
  const seen = {};
  const subscriptions = new SubscriptionClient(cred, clientOptions);
  seen.subscriptions = (await all(subscriptions.subscriptions.list())).map((s) => s.subscriptionId);
  seen.tenants = (await all(subscriptions.tenants.list())).map((t) => t.tenantId);
  seen.locations = (await all(subscriptions.subscriptions.listLocations(env.SUBSCRIPTION_ID)))
    .map((l) => l.name);
  const hybrid = new HybridComputeManagementClient(cred, env.SUBSCRIPTION_ID, clientOptions);
  seen.machines = (await all(hybrid.machines.listByResourceGroup(env.RESOURCE_GROUP)))
    .map((m) => ({ name: m.name, status: m.properties?.status, vmId: m.properties?.vmId,
      identity: m.identity?.type }));
  if (env.MODE !== "device") await resourceManager(cred, seen);
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  process.stderr.write(`FAILED ${error.statusCode ?? ""} ${error.code ?? ""} ${error.message}\n`);
  process.exit(1);
});
