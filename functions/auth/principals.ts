// meshplane's own IAM: principals, their policies, and the access keys and bearer tokens that identify them.
// The directory is read from MESHPLANE_AUTH_FILE (JSON, reloaded on change) and from keys added over the admin API.
import { managedPolicies, validatePolicy, type ManagedPolicyName, type PolicyDocument } from "./policy.js";
import { openSecret, isSealedSecret, type SecretKey } from "./secret-box.js";
import { sha256Hex, timingSafeEqual } from "./sigv4.js";

/** Someone who signs requests: a person, a CI job, an Envoy. */
export interface Principal {
  name: string;
  /** May use the admin API (keys, audit log). */
  admin: boolean;
  policies: PolicyDocument[];
}

export interface AccessKey {
  accessKeyId: string;
  /** Plain secret in memory only; at rest it is sealed (see secret-box.ts) or lives in the operator's file. */
  secretAccessKey: string;
  /** When set, requests must carry exactly this X-Amz-Security-Token; when unset, any session token is refused. */
  sessionToken?: string;
  principal: Principal;
}

/**
 * The auth file (MESHPLANE_AUTH_FILE).
 * @example
 * {
 *   "principals": {
 *     "ops":   { "admin": true, "policies": ["AWSAppMeshFullAccess"],
 *                "accessKeys": [{ "accessKeyId": "MPAKOPS0000000000001", "secretAccessKey": "sealed:v1:…" }] },
 *     "ci":    { "policies": [{ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "appmesh:*",
 *                "Resource": "arn:aws:appmesh:*:*:mesh/app1*" }] }],
 *                "accessKeys": [{ "accessKeyId": "MPAKCI00000000000001", "secretAccessKey": "plain text works too" }] },
 *     "envoy": { "policies": ["AWSAppMeshEnvoyAccess"], "bearerTokens": [{ "sha256": "<hex of the token>" }] }
 *   }
 * }
 */
export interface AuthFile {
  principals: Record<string, AuthFilePrincipal>;
}

export interface AuthFilePrincipal {
  admin?: boolean;
  /** Managed policy names (AWSAppMeshFullAccess, AWSAppMeshReadOnly, AWSAppMeshEnvoyAccess) or inline documents. */
  policies?: Array<ManagedPolicyName | PolicyDocument>;
  accessKeys?: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
  /** Bearer tokens for ADS, stored as the SHA-256 hex of the token. */
  bearerTokens?: Array<{ sha256: string }>;
}

/** Lookups the authenticator needs. Implementations swap their whole content atomically on reload. */
export interface PrincipalDirectory {
  findAccessKey(accessKeyId: string): AccessKey | undefined;
  /** The principal a bearer token belongs to (compared by hash, in constant time). */
  findBearerToken(token: string): Promise<Principal | undefined>;
}

interface DirectoryContent {
  principals: Map<string, Principal>;
  keys: Map<string, AccessKey>;
  tokens: Array<{ sha256: string; principal: Principal }>;
}

const accessKeyIdPattern = /^[A-Za-z0-9_+=,.@-]{4,128}$/;

function resolvePolicy(entry: ManagedPolicyName | PolicyDocument, where: string): PolicyDocument {
  if (typeof entry === "string") {
    const managed = (managedPolicies as Record<string, PolicyDocument>)[entry];
    if (!managed) throw new Error(`${where}: unknown managed policy "${entry}" (known: ${Object.keys(managedPolicies).join(", ")})`);
    return managed;
  }
  const problems = validatePolicy(entry);
  if (problems.length > 0) throw new Error(`${where}: ${problems.join("; ")}`);
  return entry;
}

/** Parses and checks an auth file; secrets sealed with `sealed:v1:` need the key. Throws with every problem's location. */
export type { DirectoryContent };

export async function parseAuthFile(text: string, secretKey?: SecretKey): Promise<DirectoryContent> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`the auth file is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const principals = (raw as AuthFile | null)?.principals;
  if (typeof principals !== "object" || principals === null || Array.isArray(principals)) throw new Error('the auth file needs a "principals" object');
  const content: DirectoryContent = { principals: new Map(), keys: new Map(), tokens: [] };
  for (const [name, entry] of Object.entries(principals)) {
    const principal: Principal = {
      name,
      admin: entry.admin === true,
      policies: (entry.policies ?? []).map((policy, index) => resolvePolicy(policy, `principals.${name}.policies[${index}]`)),
    };
    content.principals.set(name, principal);
    for (const [index, key] of (entry.accessKeys ?? []).entries()) {
      const where = `principals.${name}.accessKeys[${index}]`;
      if (typeof key.accessKeyId !== "string" || !accessKeyIdPattern.test(key.accessKeyId)) throw new Error(`${where}.accessKeyId must be 4-128 characters of [A-Za-z0-9_+=,.@-]`);
      if (typeof key.secretAccessKey !== "string" || key.secretAccessKey === "") throw new Error(`${where}.secretAccessKey is required`);
      if (content.keys.has(key.accessKeyId)) throw new Error(`${where}: access key ${key.accessKeyId} is listed twice`);
      let secret = key.secretAccessKey;
      if (isSealedSecret(secret)) {
        if (!secretKey) throw new Error(`${where}.secretAccessKey is sealed but MESHPLANE_AUTH_SECRET_KEY is not set`);
        secret = await openSecret(secretKey, secret);
      }
      const accessKey: AccessKey = { accessKeyId: key.accessKeyId, secretAccessKey: secret, principal };
      if (typeof key.sessionToken === "string") accessKey.sessionToken = key.sessionToken;
      content.keys.set(key.accessKeyId, accessKey);
    }
    for (const [index, token] of (entry.bearerTokens ?? []).entries()) {
      if (typeof token.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(token.sha256)) throw new Error(`principals.${name}.bearerTokens[${index}].sha256 must be 64 lower-case hex digits`);
      content.tokens.push({ sha256: token.sha256, principal });
    }
  }
  return content;
}

/** A directory whose content is replaced as a whole (file reloads), plus keys added at run time (admin API). */
export class MutablePrincipalDirectory implements PrincipalDirectory {
  #file: DirectoryContent = { principals: new Map(), keys: new Map(), tokens: [] };
  #extra = new Map<string, AccessKey>();

  /** Replaces what came from the auth file. */
  replaceFileContent(content: DirectoryContent): void {
    this.#file = content;
  }

  /** Replaces the keys managed over the admin API. */
  replaceManagedKeys(keys: AccessKey[]): void {
    this.#extra = new Map(keys.map((key) => [key.accessKeyId, key]));
  }

  /** Principals named in the auth file, for the admin API to attach new keys to. */
  findPrincipal(name: string): Principal | undefined {
    return this.#file.principals.get(name);
  }

  get size(): number {
    return this.#file.keys.size + this.#extra.size + this.#file.tokens.length;
  }

  findAccessKey(accessKeyId: string): AccessKey | undefined {
    return this.#file.keys.get(accessKeyId) ?? this.#extra.get(accessKeyId);
  }

  async findBearerToken(token: string): Promise<Principal | undefined> {
    const hash = await sha256Hex(token);
    let found: Principal | undefined;
    for (const entry of this.#file.tokens) if (timingSafeEqual(entry.sha256, hash)) found = entry.principal;
    return found;
  }
}
