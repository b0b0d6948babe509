// Access keys issued over the admin API: generated here, stored sealed (secret-box.ts) in the store's access_keys
// table, and loaded into the principal directory beside the auth file's keys.
import type { AccessKeyRow } from "../../db/store.js";
import { managedPolicies, validatePolicy, type PolicyDocument } from "./policy.js";
import type { AccessKey, MutablePrincipalDirectory } from "./principals.js";
import { openSecret, sealSecret, type SecretKey } from "./secret-box.js";

/** The part of the Store that holds issued keys. */
export interface AccessKeyStore {
  putAccessKey(row: AccessKeyRow): Promise<void>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
  listAccessKeys(): Promise<AccessKeyRow[]>;
}

export interface NewAccessKeyRequest {
  principal: string;
  /** Managed policy names or inline documents. */
  policies: Array<string | PolicyDocument>;
  admin?: boolean;
}

/** What the caller sees of a key; the secret only in the response that created it. */
export interface AccessKeySummary {
  accessKeyId: string;
  principal: string;
  admin: boolean;
  policies: unknown;
  createdAt: number;
}

const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function randomText(alphabet: string, length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let text = "";
  for (const byte of bytes) text += alphabet[byte % alphabet.length];
  return text;
}

/** A fresh key pair: `MPAK` + 16 base-32 characters, and a 40-character secret (as AWS's lengths). */
export function generateAccessKey(): { accessKeyId: string; secretAccessKey: string } {
  return {
    accessKeyId: `MPAK${randomText(base32, 16)}`,
    secretAccessKey: randomText("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40),
  };
}

/** Resolves policy names to documents; a string of problems when something is wrong. */
export function resolvePolicies(policies: unknown): PolicyDocument[] | string {
  if (!Array.isArray(policies) || policies.length === 0) return "policies must be a non-empty list of managed policy names or policy documents";
  const resolved: PolicyDocument[] = [];
  for (const [index, entry] of policies.entries()) {
    if (typeof entry === "string") {
      const managed = (managedPolicies as Record<string, PolicyDocument>)[entry];
      if (!managed) return `policies[${index}]: unknown managed policy "${entry}"`;
      resolved.push(managed);
      continue;
    }
    const problems = validatePolicy(entry);
    if (problems.length > 0) return `policies[${index}]: ${problems.join("; ")}`;
    resolved.push(entry as PolicyDocument);
  }
  return resolved;
}

export interface ManagedKeys {
  create(request: NewAccessKeyRequest): Promise<AccessKeySummary & { secretAccessKey: string }>;
  list(): Promise<AccessKeySummary[]>;
  delete(accessKeyId: string): Promise<boolean>;
  /** Re-reads the stored keys into the directory (at start, and to pick up other replicas' changes). */
  reload(): Promise<void>;
}

export function createManagedKeys(options: { store: AccessKeyStore; directory: MutablePrincipalDirectory; secretKey: SecretKey; now?: () => number }): ManagedKeys {
  const now = options.now ?? Date.now;
  const summary = (row: AccessKeyRow): AccessKeySummary => ({ accessKeyId: row.accessKeyId, principal: row.principal, admin: row.admin, policies: row.policies, createdAt: row.createdAt });

  async function reload(): Promise<void> {
    const keys: AccessKey[] = [];
    for (const row of await options.store.listAccessKeys()) {
      const policies = resolvePolicies(row.policies);
      if (typeof policies === "string") {
        console.error(`meshplane auth: stored access key ${row.accessKeyId} skipped: ${policies}`);
        continue;
      }
      try {
        keys.push({ accessKeyId: row.accessKeyId, secretAccessKey: await openSecret(options.secretKey, row.sealedSecret), principal: { name: row.principal, admin: row.admin, policies } });
      } catch (error) {
        console.error(`meshplane auth: stored access key ${row.accessKeyId} skipped: ${error instanceof Error ? error.message : "cannot open"}`);
      }
    }
    options.directory.replaceManagedKeys(keys);
  }

  return {
    async create(request) {
      const { accessKeyId, secretAccessKey } = generateAccessKey();
      const row: AccessKeyRow = {
        accessKeyId,
        principal: request.principal,
        sealedSecret: await sealSecret(options.secretKey, secretAccessKey),
        policies: request.policies,
        admin: request.admin === true,
        createdAt: now(),
      };
      await options.store.putAccessKey(row);
      await reload();
      return { ...summary(row), secretAccessKey };
    },
    async list() {
      return (await options.store.listAccessKeys()).map(summary);
    },
    async delete(accessKeyId) {
      const deleted = await options.store.deleteAccessKey(accessKeyId);
      await reload();
      return deleted;
    },
    reload,
  };
}
