// Each App Mesh operation as IAM sees it: its action (`appmesh:<Operation>`), the ARN of the resource it acts on
// and the request's condition keys (aws:RequestTag/<key>, aws:TagKeys), as the App Mesh guide's IAM chapter sets out.

/** What the REST layer knows about a request before the handler runs. */
export interface OperationInput {
  /** URI members by their model name (meshName, virtualRouterName, …), already decoded. */
  params: Record<string, string | undefined>;
  /** Query members (meshOwner, resourceArn, …). */
  query: Record<string, string | undefined>;
  /** The JSON body when it parsed as an object, else `{}` (the handler reports bad bodies). */
  body: Record<string, unknown>;
}

export interface OperationTarget {
  action: string;
  resource: string;
  /**
   * Resources the request's spec points at, on which the same action must also be allowed (the guide's IAM chapter:
   * a route that targets a virtual node needs permission on both): route targets, virtual service providers,
   * gateway route targets.
   */
  referenced: string[];
  /** Create*, Update*, Delete*, TagResource, UntagResource. */
  mutating: boolean;
  /** Condition keys that come from the request itself (lower-cased names). */
  context: Map<string, string[]>;
}

export interface ArnScope {
  region: string;
  accountId: string;
}

const verbs = ["Create", "Describe", "Update", "Delete", "List"] as const;

/** Resource path of each kind, from the names a request carries. Order of names: mesh, parent, self. */
const kindPaths = {
  Mesh: (p: Record<string, string | undefined>) => `mesh/${p.meshName}`,
  VirtualService: (p: Record<string, string | undefined>) => `mesh/${p.meshName}/virtualService/${p.virtualServiceName}`,
  VirtualNode: (p: Record<string, string | undefined>) => `mesh/${p.meshName}/virtualNode/${p.virtualNodeName}`,
  VirtualRouter: (p: Record<string, string | undefined>) => `mesh/${p.meshName}/virtualRouter/${p.virtualRouterName}`,
  Route: (p: Record<string, string | undefined>) => `mesh/${p.meshName}/virtualRouter/${p.virtualRouterName}/route/${p.routeName}`,
  VirtualGateway: (p: Record<string, string | undefined>) => `mesh/${p.meshName}/virtualGateway/${p.virtualGatewayName}`,
  GatewayRoute: (p: Record<string, string | undefined>) => `mesh/${p.meshName}/virtualGateway/${p.virtualGatewayName}/gatewayRoute/${p.gatewayRouteName}`,
} as const satisfies Record<string, (p: Record<string, string | undefined>) => string>;

type KindName = keyof typeof kindPaths;

/** The resource a List operation is authorised against: the container of what it lists. */
const listContainers: Record<KindName, KindName | null> = {
  Mesh: null,
  VirtualService: "Mesh",
  VirtualNode: "Mesh",
  VirtualRouter: "Mesh",
  Route: "VirtualRouter",
  VirtualGateway: "Mesh",
  GatewayRoute: "VirtualGateway",
};

function parseOperation(operation: string): { verb: (typeof verbs)[number]; kind: KindName } | null {
  for (const verb of verbs) {
    if (!operation.startsWith(verb)) continue;
    let kind = operation.slice(verb.length);
    if (verb === "List") kind = kind === "Meshes" ? "Mesh" : kind.replace(/s$/, "");
    if (kind in kindPaths) return { verb, kind: kind as KindName };
  }
  return null;
}

function tagsOf(value: unknown): Array<{ key: string; value: string }> {
  if (!Array.isArray(value)) return [];
  return value.filter((tag): tag is { key: string; value: string } => typeof tag === "object" && tag !== null && typeof tag.key === "string" && typeof tag.value === "string");
}

/** Maps one operation and its input to the IAM action, resource ARN and request condition keys. */
export function toOperationTarget(operation: string, input: OperationInput, scope: ArnScope): OperationTarget {
  const accountId = input.query.meshOwner && /^\d{12}$/.test(input.query.meshOwner) ? input.query.meshOwner : scope.accountId;
  const arn = (path: string) => `arn:aws:appmesh:${scope.region}:${accountId}:${path}`;
  // The string members of body and path, the path's winning (built up rather than spread and pruned: deleting keys
  // turns an object into a slow dictionary, a few µs on every call).
  const names: Record<string, string | undefined> = {};
  for (const source of [input.body, input.params]) {
    for (const key in source) {
      const value = source[key];
      if (typeof value === "string") names[key] = value;
      else if (key in names) delete names[key];
    }
  }
  const context = new Map<string, string[]>();
  const action = `appmesh:${operation}`;

  const requestTags = operation === "TagResource" || operation.startsWith("Create") ? tagsOf(input.body.tags) : [];
  for (const tag of requestTags) context.set(`aws:requesttag/${tag.key.toLowerCase()}`, [tag.value]);
  if (requestTags.length > 0) context.set("aws:tagkeys", requestTags.map((tag) => tag.key));
  if (operation === "UntagResource" && Array.isArray(input.body.tagKeys)) {
    context.set("aws:tagkeys", input.body.tagKeys.filter((key): key is string => typeof key === "string"));
  }

  if (operation === "TagResource" || operation === "UntagResource" || operation === "ListTagsForResource") {
    return { action, resource: input.query.resourceArn ?? "*", referenced: [], mutating: operation !== "ListTagsForResource", context };
  }
  const parsed = parseOperation(operation);
  if (!parsed) return { action, resource: "*", referenced: [], mutating: !/^(Describe|List|Get)/.test(operation), context };
  if (parsed.verb === "List") {
    const container = listContainers[parsed.kind];
    return { action, resource: container ? arn(kindPaths[container](names)) : "*", referenced: [], mutating: false, context };
  }
  const referenced = parsed.verb === "Create" || parsed.verb === "Update" ? referencedResources(parsed.kind, input.body.spec, names.meshName ?? "").map(arn) : [];
  return { action, resource: arn(kindPaths[parsed.kind](names)), referenced, mutating: parsed.verb !== "Describe", context };
}

const asRecord = (value: unknown): Record<string, unknown> => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const routeKinds = ["httpRoute", "http2Route", "grpcRoute", "tcpRoute"] as const;

/** Resource paths a spec points at (see OperationTarget.referenced); unreadable specs name nothing (the handler refuses them). */
function referencedResources(kind: KindName, rawSpec: unknown, meshName: string): string[] {
  const spec = asRecord(rawSpec);
  const paths = new Set<string>();
  if (kind === "Route") {
    for (const routeKind of routeKinds) {
      const targets = asRecord(asRecord(spec[routeKind]).action).weightedTargets;
      for (const target of Array.isArray(targets) ? targets : []) {
        const node = asRecord(target).virtualNode;
        if (typeof node === "string") paths.add(`mesh/${meshName}/virtualNode/${node}`);
      }
    }
  } else if (kind === "VirtualService") {
    const provider = asRecord(spec.provider);
    const node = asRecord(provider.virtualNode).virtualNodeName;
    const router = asRecord(provider.virtualRouter).virtualRouterName;
    if (typeof node === "string") paths.add(`mesh/${meshName}/virtualNode/${node}`);
    if (typeof router === "string") paths.add(`mesh/${meshName}/virtualRouter/${router}`);
  } else if (kind === "GatewayRoute") {
    for (const routeKind of ["httpRoute", "http2Route", "grpcRoute"] as const) {
      const service = asRecord(asRecord(asRecord(asRecord(spec[routeKind]).action).target).virtualService).virtualServiceName;
      if (typeof service === "string") paths.add(`mesh/${meshName}/virtualService/${service}`);
    }
  }
  return [...paths];
}

/** meshplane's policy API (docs/policies/README.md), as IAM actions. */
export const policyActions = ["PutPolicy", "GetPolicy", "DeletePolicy", "ListPolicies"] as const;
export type PolicyAction = (typeof policyActions)[number];

const backendPath = (meshName: string, ref: unknown): string | undefined => {
  const node = asRecord(asRecord(ref).virtualNode).virtualNodeName;
  const service = asRecord(asRecord(ref).virtualService).virtualServiceName;
  if (typeof node === "string") return `mesh/${meshName}/virtualNode/${node}`;
  if (typeof service === "string") return `mesh/${meshName}/virtualService/${service}`;
  return undefined;
};

/**
 * A policy API request as IAM sees it: `meshplane:<Action>` on the policy's ARN (`…:mesh/<mesh>/policy/<name>`;
 * the mesh's for ListPolicies). A put is also checked, with the same action, on its target and on every backend its
 * spec sends traffic to, as App Mesh checks a route on the virtual nodes it targets.
 */
export function toPolicyTarget(action: PolicyAction, input: OperationInput, scope: ArnScope): OperationTarget {
  const meshName = input.params.meshName ?? "";
  const arn = (path: string) => `arn:aws:appmesh:${scope.region}:${scope.accountId}:${path}`;
  const context = new Map<string, string[]>();
  const referenced: string[] = [];
  if (action === "PutPolicy") {
    const tags = tagsOf(input.body.tags);
    for (const tag of tags) context.set(`aws:requesttag/${tag.key.toLowerCase()}`, [tag.value]);
    if (tags.length > 0) context.set("aws:tagkeys", tags.map((tag) => tag.key));
    const targetArn = asRecord(input.body.targetRef).arn;
    if (typeof targetArn === "string") referenced.push(targetArn);
    const spec = asRecord(input.body.spec);
    const backends = [asRecord(spec.mirror).backendRef, asRecord(spec.externalAuthorization).backendRef];
    const providers = asRecord(spec.jwt).providers;
    for (const provider of Array.isArray(providers) ? providers : []) backends.push(asRecord(asRecord(asRecord(provider).jwks).remote).backendRef);
    for (const ref of backends) {
      const path = backendPath(meshName, ref);
      if (path && !referenced.includes(arn(path))) referenced.push(arn(path));
    }
  }
  const resource = action === "ListPolicies" ? arn(`mesh/${meshName}`) : arn(`mesh/${meshName}/policy/${input.params.policyName ?? ""}`);
  return { action: `meshplane:${action}`, resource, referenced, mutating: action === "PutPolicy" || action === "DeletePolicy", context };
}

/** Operations that change state, for rate-limit classes and the audit log. */
export function isMutatingOperation(operation: string): boolean {
  return /^(Create|Update|Delete|Tag|Untag)/.test(operation);
}
