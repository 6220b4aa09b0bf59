// ManagedIdentityCredential of @azure/identity on an Arc-enabled machine: a token for ARM,
// then a read of the machine's own resource with it. Prints "ARM <status> <name>" or
// "REFUSED <message>". Run by tests/lab/test_machines.py inside a lab machine.
import { ManagedIdentityCredential } from "@azure/identity";

const resource = process.argv[2];
let token;
try {
  token = (await new ManagedIdentityCredential().getToken("https://management.azure.com/.default")).token;
} catch (error) {
  console.log(`REFUSED ${error.message}`);
  process.exit(0);
}
const answer = await fetch(`${resource}?api-version=2024-07-10`,
  { headers: { Authorization: `Bearer ${token}` } });
const body = await answer.json();
console.log(`ARM ${answer.status} ${body.name ?? JSON.stringify(body).slice(0, 200)}`);
