// Prints a new access key as an auth-file principal, for bootstrapping the first admin (or any file-managed key):
//
//   npx tsx functions/auth/keygen.ts --principal ops --admin                      # full access + admin API
//   npx tsx functions/auth/keygen.ts --principal ci --policy AWSAppMeshReadOnly
//   npx tsx functions/auth/keygen.ts --principal envoy --policy AWSAppMeshEnvoyAccess --bearer
//
// With MESHPLANE_AUTH_SECRET_KEY set, the secret in the printed entry is sealed (the file then holds no plain
// secret). The plain secret is printed once, on stderr, for the operator to hand over; meshplane never logs it.
import { pathToFileURL } from "node:url";
import { generateAccessKey } from "./managed-keys.js";
import { managedPolicies } from "./policy.js";
import type { AuthFilePrincipal } from "./principals.js";
import { importSecretKey, sealSecret } from "./secret-box.js";
import { sha256Hex } from "./sigv4.js";

export interface KeygenOptions {
  principal: string;
  admin: boolean;
  policies: string[];
  bearer: boolean;
  /** MESHPLANE_AUTH_SECRET_KEY, to seal the secret in the printed entry. */
  sealingKey?: string;
}

export function parseKeygenArgs(argv: string[]): KeygenOptions | string {
  const options: KeygenOptions = { principal: "", admin: false, policies: [], bearer: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--admin") options.admin = true;
    else if (arg === "--bearer") options.bearer = true;
    else if (arg === "--principal" && argv[i + 1] !== undefined) options.principal = argv[++i]!;
    else if (arg === "--policy" && argv[i + 1] !== undefined) options.policies.push(argv[++i]!);
    else return `unknown argument ${arg}`;
  }
  if (!/^[A-Za-z0-9_+=,.@-]{1,64}$/.test(options.principal)) return "--principal <name> is required (1-64 characters of [A-Za-z0-9_+=,.@-])";
  for (const policy of options.policies) if (!(policy in managedPolicies)) return `unknown managed policy ${policy} (known: ${Object.keys(managedPolicies).join(", ")})`;
  if (options.policies.length === 0) options.policies.push("AWSAppMeshFullAccess");
  return options;
}

/** The principal entry to merge into the auth file, and the credentials to hand over. */
export async function createPrincipalEntry(options: KeygenOptions): Promise<{ entry: AuthFilePrincipal; credentials: Record<string, string> }> {
  const entry: AuthFilePrincipal = { admin: options.admin, policies: options.policies as AuthFilePrincipal["policies"] };
  const credentials: Record<string, string> = {};
  if (options.bearer) {
    const token = generateAccessKey().secretAccessKey.replace(/[+/]/g, "x") + generateAccessKey().secretAccessKey.replace(/[+/]/g, "y");
    entry.bearerTokens = [{ sha256: await sha256Hex(token) }];
    credentials.bearerToken = token;
  } else {
    const key = generateAccessKey();
    const stored = options.sealingKey ? await sealSecret(await importSecretKey(options.sealingKey), key.secretAccessKey) : key.secretAccessKey;
    entry.accessKeys = [{ accessKeyId: key.accessKeyId, secretAccessKey: stored }];
    credentials.AWS_ACCESS_KEY_ID = key.accessKeyId;
    credentials.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
  }
  return { entry, credentials };
}

async function main(): Promise<void> {
  const options = parseKeygenArgs(process.argv.slice(2));
  if (typeof options === "string") {
    console.error(`keygen: ${options}`);
    process.exit(2);
  }
  if (process.env.MESHPLANE_AUTH_SECRET_KEY) options.sealingKey = process.env.MESHPLANE_AUTH_SECRET_KEY;
  const { entry, credentials } = await createPrincipalEntry(options);
  process.stdout.write(`${JSON.stringify({ principals: { [options.principal]: entry } }, null, 2)}\n`);
  process.stderr.write(`# credentials for ${options.principal} (shown once; keep them out of logs):\n`);
  for (const [name, value] of Object.entries(credentials)) process.stderr.write(`export ${name}=${value}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error("keygen:", error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
