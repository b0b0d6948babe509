// App Mesh operations called from the model's operation table: the URI template, query and body members come from
// the model, exactly as the server decodes them (functions/api/app.ts), so no path is written down twice.
import { kindDescriptors, type KindDescriptor, type ResourceKind } from "../../../appmesh/index.js";
import { operationOf, shapeOf } from "../model/shapes.js";
import { request } from "./http.js";

export type { ResourceKind, KindDescriptor };
export { kindDescriptors };

/**
 * Calls `operation` with `input` (members by their model names) and returns its output. Create, Describe, Update
 * and Delete answer with their payload member alone (the resource's data), as App Mesh's REST protocol does.
 */
export async function callOperation<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  const model = operationOf(operation);
  const members = Object.entries(shapeOf(model.input!).members ?? {});
  const [template, fixedQuery] = model.requestUri.split("?") as [string, string | undefined];
  const path = template.replace(/\{(\w+)\+?\}/g, (_match, name: string) => {
    const member = members.find(([memberName, m]) => (m.locationName ?? memberName) === name);
    const value = member ? input[member[0]] : undefined;
    if (typeof value !== "string" || value === "") throw new Error(`${operation} needs ${name}`);
    return encodeURIComponent(value);
  });
  const query: Record<string, string | number | undefined> = Object.fromEntries(new URLSearchParams(fixedQuery ?? ""));
  let body: Record<string, unknown> | undefined;
  for (const [name, member] of members) {
    const value = input[name];
    if (value === undefined || member.location === "uri") continue;
    if (member.location === "querystring") query[member.locationName ?? name] = value as string | number;
    else if (member.location === undefined) (body ??= {})[name] = value;
  }
  const hasBody = model.method !== "GET" && model.method !== "DELETE";
  return request<T>(model.method, path, { query, ...(hasBody ? { body: body ?? {} } : {}), ...(signal ? { signal } : {}) });
}

/** Operation names of a kind: CreateVirtualNode, DescribeVirtualNode, ListVirtualNodes, … */
export function operationName(verb: "Create" | "Describe" | "Update" | "Delete" | "List", kind: ResourceKind): string {
  const descriptor = kindDescriptors[kind];
  return verb === "List" ? `List${descriptor.listKey.charAt(0).toUpperCase()}${descriptor.listKey.slice(1)}` : `${verb}${descriptor.label}`;
}

/** A resource reference as List* returns it (MeshRef, VirtualNodeRef, …). */
export interface ResourceRef {
  arn: string;
  meshName: string;
  meshOwner: string;
  resourceOwner: string;
  version: number;
  createdAt: number;
  lastUpdatedAt: number;
  [member: string]: unknown;
}

/** What Describe* returns for any kind. */
export interface ResourceData {
  meshName: string;
  metadata: { arn: string; uid: string; meshOwner: string; resourceOwner: string; version: number; createdAt: number; lastUpdatedAt: number };
  spec: Record<string, unknown>;
  status: { status: string };
  [member: string]: unknown;
}

const MAX_PAGES = 100;

/** Every resource of a kind in its scope, following nextToken (at most 100 pages of 100). */
export async function listAll(kind: ResourceKind, scope: Record<string, string>, signal?: AbortSignal): Promise<ResourceRef[]> {
  const descriptor = kindDescriptors[kind];
  const refs: ResourceRef[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const output = await callOperation<Record<string, unknown>>(operationName("List", kind), { ...scope, limit: 100, ...(nextToken ? { nextToken } : {}) }, signal);
    refs.push(...((output[descriptor.listKey] as ResourceRef[] | undefined) ?? []));
    nextToken = output.nextToken as string | undefined;
    if (!nextToken) break;
  }
  return refs;
}

export function describe(kind: ResourceKind, key: Record<string, string>, signal?: AbortSignal): Promise<ResourceData> {
  return callOperation<ResourceData>(operationName("Describe", kind), key, signal);
}

/** Every resource of one mesh, described (for the topology and explain's node list). */
export interface MeshContents {
  mesh: ResourceData;
  virtualServices: ResourceData[];
  virtualNodes: ResourceData[];
  virtualRouters: ResourceData[];
  routes: ResourceData[];
  virtualGateways: ResourceData[];
  gatewayRoutes: ResourceData[];
}

/** Runs `work` over `items` with at most `limit` calls in flight, keeping the order of the results. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Describes in flight at once while loading a mesh: well within the default rate limit's burst. */
const DESCRIBE_CONCURRENCY = 8;

export async function loadMesh(meshName: string, signal?: AbortSignal): Promise<MeshContents> {
  const nameOf = (kind: ResourceKind, ref: ResourceRef) => ref[kindDescriptors[kind].nameMember] as string;
  const describeAll = async (kind: ResourceKind, scope: Record<string, string>) => {
    const refs = await listAll(kind, scope, signal);
    return mapLimited(refs, DESCRIBE_CONCURRENCY, (ref) => describe(kind, { ...scope, [kindDescriptors[kind].nameMember]: nameOf(kind, ref) }, signal));
  };
  const scope = { meshName };
  const [mesh, virtualServices, virtualNodes, virtualRouters, virtualGateways] = await Promise.all([
    describe("mesh", scope, signal),
    describeAll("virtualService", scope),
    describeAll("virtualNode", scope),
    describeAll("virtualRouter", scope),
    describeAll("virtualGateway", scope),
  ]);
  const routes = (await Promise.all(virtualRouters.map((router) => describeAll("route", { meshName, virtualRouterName: router.virtualRouterName as string })))).flat();
  const gatewayRoutes = (await Promise.all(virtualGateways.map((gateway) => describeAll("gatewayRoute", { meshName, virtualGatewayName: gateway.virtualGatewayName as string })))).flat();
  return { mesh, virtualServices, virtualNodes, virtualRouters, routes, virtualGateways, gatewayRoutes };
}
