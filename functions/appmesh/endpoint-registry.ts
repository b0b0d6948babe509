// meshplane's endpoint registry, its stand-in for AWS Cloud Map: instances (address, port, attributes, health)
// registered under a namespace and service. Virtual nodes with `awsCloudMap` service discovery get them as EDS.
import type { ScopeChange } from "../../db/change-feed.js";
import type { EndpointRow, Store } from "../../db/store.js";
import { badRequest, notFound } from "./errors.js";
import type { EndpointInstance } from "./snapshot.js";
import { validateShape } from "./validation.js";

export const endpointsScope = "endpoints";

const healthStates = ["HEALTHY", "UNHEALTHY", "UNKNOWN"] as const;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv6 = /^[0-9a-fA-F:.]+$/;
const instanceIdPattern = /^[A-Za-z0-9._:/-]{1,64}$/;

export interface EndpointRegistration {
  namespaceName: string;
  serviceName: string;
  instanceId: string;
  address: unknown;
  port: unknown;
  attributes?: unknown;
  health?: unknown;
}

export interface EndpointRegistry {
  /** Registers or replaces one instance; returns it as stored. */
  register(registration: EndpointRegistration): Promise<EndpointInstance>;
  /** Removes one instance; NotFoundException when it is not registered. */
  deregister(key: { namespaceName: string; serviceName: string; instanceId: string }): Promise<EndpointInstance>;
  list(filter: { namespaceName?: string; serviceName?: string }): Promise<EndpointInstance[]>;
}

function isIpAddress(address: string): boolean {
  if (ipv4.test(address)) return true;
  if (!address.includes(":") || !ipv6.test(address)) return false;
  try {
    return new URL(`http://[${address}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** A stored registry row as the snapshot and the registry API present it. */
export const toInstance = (row: EndpointRow): EndpointInstance => ({
  namespaceName: row.namespaceName,
  serviceName: row.serviceName,
  instanceId: row.instanceId,
  address: row.address,
  port: row.port,
  attributes: row.attributes,
  health: row.health as EndpointInstance["health"],
});

function parseRegistration(registration: EndpointRegistration, at: number): EndpointRow {
  validateShape("AwsCloudMapName", registration.namespaceName, "namespaceName");
  validateShape("AwsCloudMapName", registration.serviceName, "serviceName");
  if (!instanceIdPattern.test(registration.instanceId)) throw badRequest("'instanceId' must be 1-64 characters of letters, digits and . _ : / -.");
  const { address, port } = registration;
  if (typeof address !== "string" || !isIpAddress(address)) throw badRequest("'address' must be an IPv4 or IPv6 address.");
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) throw badRequest("'port' must be an integer from 1 to 65535.");
  const attributes: Record<string, string> = {};
  const rawAttributes = registration.attributes ?? {};
  if (typeof rawAttributes !== "object" || rawAttributes === null || Array.isArray(rawAttributes)) throw badRequest("'attributes' must be an object of strings.");
  for (const [key, value] of Object.entries(rawAttributes)) {
    validateShape("AwsCloudMapInstanceAttributeKey", key, `attributes.${key}`);
    validateShape("AwsCloudMapInstanceAttributeValue", value, `attributes.${key}`);
    attributes[key] = value as string;
  }
  const health = registration.health ?? "HEALTHY";
  if (!healthStates.includes(health as (typeof healthStates)[number])) throw badRequest(`'health' must be one of ${healthStates.join(", ")}.`);
  return {
    namespaceName: registration.namespaceName,
    serviceName: registration.serviceName,
    instanceId: registration.instanceId,
    address,
    port,
    attributes,
    health: health as string,
    updatedAt: at,
  };
}

export function createEndpointRegistry(store: Store, options: { now?: () => number; onCommit?: (changes: ScopeChange[]) => void } = {}): EndpointRegistry {
  const now = options.now ?? Date.now;
  const published = (revisions: Record<string, number>) =>
    options.onCommit?.(Object.entries(revisions).map(([scope, revision]) => ({ scope, revision })));

  return {
    async register(registration) {
      const row = parseRegistration(registration, now());
      const result = await store.commit({ expect: [], bump: [endpointsScope], putEndpoints: [row] });
      if (!result.ok) throw new Error("unguarded endpoint write reported stale");
      published(result.revisions);
      return toInstance(row);
    },
    async deregister(key) {
      const [row] = (await store.listEndpoints(key)).filter((candidate) => candidate.instanceId === key.instanceId);
      if (!row) throw notFound(`Instance ${key.instanceId} of ${key.namespaceName}/${key.serviceName} is not registered.`);
      const result = await store.commit({ expect: [], bump: [endpointsScope], deleteEndpoints: [key] });
      if (!result.ok) throw new Error("unguarded endpoint write reported stale");
      published(result.revisions);
      return toInstance(row);
    },
    async list(filter) {
      return (await store.listEndpoints(filter)).map(toInstance);
    },
  };
}
