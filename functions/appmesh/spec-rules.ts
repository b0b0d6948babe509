// The rules App Mesh enforces that its model states only in prose, each with its evidence. Model constraints (types,
// lengths, ranges, enums, unions) are checked before these run, so these see well-typed specs. Two kinds:
// - rules on one spec (`checkSpec`), and rules between a spec and the resources it names (`checkSpecInMesh`: a
//   route and its router's listeners, a target and its node's listeners), both refused with BadRequestException;
// - specs App Mesh evidently accepted although no proxy can serve them (`acceptedUnservableSpecs`): accepted here
//   too, and reported by the translation as warnings (config_dump, /v1/xds/lint, metrics) instead of dropped silently.
//
// Evidence: "guide" is the App Mesh User Guide (/work/shared/reference/appmesh-user-guide.txt, section › step),
// "API reference" the App Mesh API Reference's shape pages.
import { badRequest, limitExceeded } from "./errors.js";
import { kindDescriptors, type ResourceKind, type SpecShapeName } from "./kinds.js";
import type {
  AppMeshShapeTypes,
  GatewayRouteSpec,
  HttpRetryPolicy,
  HttpRoute,
  GrpcRoute,
  HttpGatewayRoute,
  GrpcGatewayRoute,
  RouteSpec,
  VirtualGatewaySpec,
  VirtualNodeSpec,
  VirtualRouterSpec,
  VirtualServiceSpec,
  HeaderMatchMethod,
  Duration,
  HttpPathMatch,
} from "./model/types.generated.js";
import type { Quotas } from "./quotas.js";
import { validateShape } from "./validation.js";

/** Decides whether a pattern is RE2 syntax; the message says why not (e.g. look-around is unsupported). */
export type RegexChecker = (pattern: string) => { ok: true } | { ok: false; message: string };

export interface SpecRuleContext {
  quotas: Quotas;
  checkRegex: RegexChecker;
}

type Rule<Spec> = (spec: Spec, context: SpecRuleContext) => void;

const httpRetryEvents = new Set(["server-error", "gateway-error", "client-error", "stream-error"]);
const reservedPathPrefixes = ["/aws-appmesh", "/aws-app-mesh"];
const reservedGrpcServicePrefixes = ["aws.app-mesh", "aws.appmesh"];

function onlyOneRouteType(spec: object, members: string[]): string {
  const present = members.filter((member) => (spec as Record<string, unknown>)[member] !== undefined);
  if (present.length !== 1) {
    throw badRequest(`spec must contain exactly one of ${members.join(", ")}; ${present.length === 0 ? "none was" : `got ${present.join(" and ")}`}.`);
  }
  return present[0]!;
}

function checkRegex(pattern: string, path: string, context: SpecRuleContext): void {
  const result = context.checkRegex(pattern);
  if (!result.ok) throw badRequest(`Invalid regular expression at '${path}': ${result.message}`);
}

function checkDuration(duration: Duration | undefined, path: string): void {
  if (duration === undefined) return;
  if (duration.value === undefined || duration.unit === undefined) throw badRequest(`'${path}' needs both value and unit.`);
}

function checkHeaderMatch(match: HeaderMatchMethod | undefined, path: string, context: SpecRuleContext): void {
  if (!match) return;
  if (match.regex !== undefined) checkRegex(match.regex, `${path}.regex`, context);
  if (match.range && match.range.start >= match.range.end) {
    throw badRequest(`'${path}.range' must have start less than end (the range is [start, end)).`);
  }
}

function checkPathMatch(pathMatch: HttpPathMatch | undefined, path: string, context: SpecRuleContext): void {
  if (!pathMatch) return;
  const set = [pathMatch.exact, pathMatch.regex].filter((value) => value !== undefined).length;
  if (set !== 1) throw badRequest(`'${path}' must have exactly one of exact, regex.`);
  if (pathMatch.exact !== undefined && !pathMatch.exact.startsWith("/")) throw badRequest(`'${path}.exact' must start with '/'.`);
  if (pathMatch.regex !== undefined) checkRegex(pathMatch.regex, `${path}.regex`, context);
}

function checkRetryPolicy(policy: HttpRetryPolicy & { grpcRetryEvents?: string[] }, path: string): void {
  const events = [policy.httpRetryEvents, policy.tcpRetryEvents, policy.grpcRetryEvents].filter((list) => list !== undefined);
  if (events.length === 0) throw badRequest(`'${path}' must set at least one retry event list (httpRetryEvents, tcpRetryEvents or grpcRetryEvents).`);
  policy.httpRetryEvents?.forEach((event, index) => {
    if (!httpRetryEvents.has(event)) {
      throw badRequest(`'${path}.httpRetryEvents[${index}]' must be one of ${[...httpRetryEvents].join(", ")}; got "${event}".`);
    }
  });
  checkDuration(policy.perRetryTimeout, `${path}.perRetryTimeout`);
}

function checkWeightedTargets(targets: Array<{ weight: number }>, path: string, context: SpecRuleContext): void {
  if (targets.length > context.quotas.weightedTargetsPerRoute) {
    throw limitExceeded(`'${path}' has ${targets.length} weighted targets; the limit is ${context.quotas.weightedTargetsPerRoute}.`);
  }
  // API reference, WeightedTarget: "The total weight for all targets combined must be less than or equal to 100."
  const total = targets.reduce((sum, target) => sum + target.weight, 0);
  if (total > 100) throw badRequest(`'${path}' weights add up to ${total}; the weights of all targets together must be at most 100.`);
}

function checkHttpRoute(route: HttpRoute, path: string, context: SpecRuleContext): void {
  const match = route.match;
  if (match.prefix !== undefined && match.path !== undefined) throw badRequest(`'${path}.match' must have only one of prefix, path.`);
  if (match.prefix === undefined && match.path === undefined) throw badRequest(`'${path}.match' must have one of prefix, path.`);
  if (match.prefix !== undefined && !match.prefix.startsWith("/")) throw badRequest(`'${path}.match.prefix' must start with '/'.`);
  checkPathMatch(match.path, `${path}.match.path`, context);
  match.headers?.forEach((header, index) => checkHeaderMatch(header.match, `${path}.match.headers[${index}].match`, context));
  checkWeightedTargets(route.action.weightedTargets, `${path}.action.weightedTargets`, context);
  if (route.retryPolicy) checkRetryPolicy(route.retryPolicy, `${path}.retryPolicy`);
  checkDuration(route.timeout?.perRequest, `${path}.timeout.perRequest`);
  checkDuration(route.timeout?.idle, `${path}.timeout.idle`);
}

function checkGrpcRoute(route: GrpcRoute, path: string, context: SpecRuleContext): void {
  const match = route.match;
  if (match.methodName !== undefined && match.serviceName === undefined) {
    throw badRequest(`'${path}.match.methodName' requires '${path}.match.serviceName'.`);
  }
  match.metadata?.forEach((metadata, index) => checkHeaderMatch(metadata.match, `${path}.match.metadata[${index}].match`, context));
  checkWeightedTargets(route.action.weightedTargets, `${path}.action.weightedTargets`, context);
  if (route.retryPolicy) checkRetryPolicy(route.retryPolicy, `${path}.retryPolicy`);
  checkDuration(route.timeout?.perRequest, `${path}.timeout.perRequest`);
  checkDuration(route.timeout?.idle, `${path}.timeout.idle`);
}

const checkRoute: Rule<RouteSpec> = (spec, context) => {
  const type = onlyOneRouteType(spec, ["httpRoute", "http2Route", "grpcRoute", "tcpRoute"]);
  if (type === "grpcRoute") checkGrpcRoute(spec.grpcRoute!, "spec.grpcRoute", context);
  else if (type === "tcpRoute") {
    checkWeightedTargets(spec.tcpRoute!.action.weightedTargets, "spec.tcpRoute.action.weightedTargets", context);
    checkDuration(spec.tcpRoute!.timeout?.idle, "spec.tcpRoute.timeout.idle");
  } else checkHttpRoute((spec as Record<string, HttpRoute>)[type]!, `spec.${type}`, context);
};

function checkReservedPath(value: string | undefined, path: string): void {
  if (value === undefined) return;
  const lower = value.toLowerCase();
  if (reservedPathPrefixes.some((prefix) => lower.startsWith(prefix))) {
    throw badRequest(`'${path}' may not start with ${reservedPathPrefixes.join(" or ")}: those prefixes are reserved.`);
  }
}

function checkHttpGatewayRoute(route: HttpGatewayRoute, path: string, context: SpecRuleContext): void {
  const match = route.match;
  if (match.prefix !== undefined && match.path !== undefined) throw badRequest(`'${path}.match' must have only one of prefix, path.`);
  if (match.prefix === undefined && match.path === undefined && match.hostname === undefined) {
    throw badRequest(`'${path}.match' must have one of prefix, path, hostname.`);
  }
  if (match.prefix !== undefined && !match.prefix.startsWith("/")) throw badRequest(`'${path}.match.prefix' must start with '/'.`);
  checkReservedPath(match.prefix, `${path}.match.prefix`);
  checkPathMatch(match.path, `${path}.match.path`, context);
  checkReservedPath(match.path?.exact, `${path}.match.path.exact`);
  if (match.hostname && [match.hostname.exact, match.hostname.suffix].filter((v) => v !== undefined).length !== 1) {
    throw badRequest(`'${path}.match.hostname' must have exactly one of exact, suffix.`);
  }
  match.headers?.forEach((header, index) => checkHeaderMatch(header.match, `${path}.match.headers[${index}].match`, context));
  const rewrite = route.action.rewrite;
  if (rewrite?.prefix) {
    const prefix = rewrite.prefix;
    if (match.prefix === undefined) throw badRequest(`'${path}.action.rewrite.prefix' needs a prefix match.`);
    if ((prefix.value === undefined) === (prefix.defaultPrefix === undefined)) {
      throw badRequest(`'${path}.action.rewrite.prefix' must have exactly one of defaultPrefix, value.`);
    }
    if (prefix.value !== undefined && (!prefix.value.startsWith("/") || !prefix.value.endsWith("/"))) {
      throw badRequest(`'${path}.action.rewrite.prefix.value' must start and end with '/'.`);
    }
  }
  if (rewrite?.path) {
    if (match.path?.exact === undefined) throw badRequest(`'${path}.action.rewrite.path' needs an exact path match.`);
    if (!rewrite.path.exact?.startsWith("/")) throw badRequest(`'${path}.action.rewrite.path.exact' must start with '/'.`);
  }
  if (rewrite?.prefix && rewrite.path) throw badRequest(`'${path}.action.rewrite' must have only one of prefix, path.`);
}

function checkGrpcGatewayRoute(route: GrpcGatewayRoute, path: string, context: SpecRuleContext): void {
  const serviceName = route.match.serviceName;
  if (serviceName !== undefined && reservedGrpcServicePrefixes.some((prefix) => serviceName.toLowerCase().startsWith(prefix))) {
    throw badRequest(`'${path}.match.serviceName' may not start with ${reservedGrpcServicePrefixes.join(" or ")}: those names are reserved.`);
  }
  route.match.metadata?.forEach((metadata, index) => checkHeaderMatch(metadata.match, `${path}.match.metadata[${index}].match`, context));
}

const checkGatewayRoute: Rule<GatewayRouteSpec> = (spec, context) => {
  const type = onlyOneRouteType(spec, ["httpRoute", "http2Route", "grpcRoute"]);
  if (type === "grpcRoute") checkGrpcGatewayRoute(spec.grpcRoute!, "spec.grpcRoute", context);
  else checkHttpGatewayRoute((spec as Record<string, HttpGatewayRoute>)[type]!, `spec.${type}`, context);
};

interface AnyListener {
  portMapping: { port: number; protocol: string };
  connectionPool?: Record<string, unknown>;
  healthCheck?: { protocol: string; path?: string };
  timeout?: Record<string, unknown>;
}

function checkListeners(listeners: AnyListener[] | undefined, path: string): void {
  const ports = new Set<number>();
  listeners?.forEach((listener, index) => {
    const at = `${path}[${index}]`;
    const { port, protocol } = listener.portMapping;
    if (ports.has(port)) throw badRequest(`'${at}.portMapping.port' ${port} is used by another listener.`);
    ports.add(port);
    const poolProtocol = listener.connectionPool && Object.keys(listener.connectionPool)[0];
    if (poolProtocol !== undefined && poolProtocol !== protocol) {
      throw badRequest(`'${at}.connectionPool.${poolProtocol}' does not match the listener protocol ${protocol}.`);
    }
    const timeoutProtocol = listener.timeout && Object.keys(listener.timeout)[0];
    if (timeoutProtocol !== undefined && timeoutProtocol !== protocol) {
      throw badRequest(`'${at}.timeout.${timeoutProtocol}' does not match the listener protocol ${protocol}.`);
    }
    const healthCheck = listener.healthCheck;
    if (healthCheck && (healthCheck.protocol === "http" || healthCheck.protocol === "http2")) {
      if (healthCheck.path === undefined) throw badRequest(`'${at}.healthCheck.path' is required for ${healthCheck.protocol} health checks.`);
      if (!healthCheck.path.startsWith("/")) throw badRequest(`'${at}.healthCheck.path' must start with '/'.`);
    }
  });
}

interface AnyClientPolicyTls {
  enforce?: boolean;
  validation: { subjectAlternativeNames?: { match: { exact: string[] } } };
}

/**
 * Guide › Transport Layer Security › Subject alternative names: "You can only use wildcard SANs if the client policy for TLS is
 * set to not enforced. If the client policy … is configured to enforce TLS, then it can't accept a wildcard SAN."
 * `enforce` defaults to true (API reference, ClientPolicyTls).
 */
function checkClientPolicyTls(tls: AnyClientPolicyTls | undefined, path: string): void {
  if (!tls || tls.enforce === false) return;
  tls.validation.subjectAlternativeNames?.match.exact.forEach((san, index) => {
    if (san.includes("*")) {
      throw badRequest(`'${path}.validation.subjectAlternativeNames.match.exact[${index}]' is the wildcard SAN "${san}": wildcard SANs need a client policy with enforce set to false.`);
    }
  });
}

const checkVirtualNode: Rule<VirtualNodeSpec> = (spec, context) => {
  checkListeners(spec.listeners as AnyListener[] | undefined, "spec.listeners");
  checkClientPolicyTls(spec.backendDefaults?.clientPolicy?.tls, "spec.backendDefaults.clientPolicy.tls");
  spec.backends?.forEach((backend, index) => checkClientPolicyTls(backend.virtualService?.clientPolicy?.tls, `spec.backends[${index}].virtualService.clientPolicy.tls`));
  if ((spec.listeners?.length ?? 0) > 0 && spec.serviceDiscovery === undefined) {
    throw badRequest("'spec.serviceDiscovery' is required when the virtual node has listeners.");
  }
  const backends = spec.backends ?? [];
  if (backends.length > context.quotas.backendsPerVirtualNode) {
    throw limitExceeded(`A virtual node may have at most ${context.quotas.backendsPerVirtualNode} backends; got ${backends.length}.`);
  }
  const seen = new Set<string>();
  backends.forEach((backend, index) => {
    const name = backend.virtualService?.virtualServiceName;
    if (name !== undefined && seen.has(name)) throw badRequest(`'spec.backends[${index}]' repeats virtual service ${name}.`);
    if (name !== undefined) seen.add(name);
  });
  spec.listeners?.forEach((listener, index) => {
    if (listener.outlierDetection) {
      checkDuration(listener.outlierDetection.interval, `spec.listeners[${index}].outlierDetection.interval`);
      checkDuration(listener.outlierDetection.baseEjectionDuration, `spec.listeners[${index}].outlierDetection.baseEjectionDuration`);
    }
  });
};

const checkVirtualRouter: Rule<VirtualRouterSpec> = (spec) => {
  checkListeners(spec.listeners as AnyListener[] | undefined, "spec.listeners");
};

const checkVirtualGateway: Rule<VirtualGatewaySpec> = (spec) => {
  if (spec.listeners.length === 0) throw badRequest("'spec.listeners' must have at least one listener.");
  checkListeners(spec.listeners as AnyListener[], "spec.listeners");
  checkClientPolicyTls(spec.backendDefaults?.clientPolicy?.tls, "spec.backendDefaults.clientPolicy.tls");
};

const noRules: Rule<object> = () => {};

/** The prose rules of each kind's spec, by the spec's model shape. */
const specRules: { [Shape in SpecShapeName]: Rule<AppMeshShapeTypes[Shape]> } = {
  MeshSpec: noRules,
  VirtualServiceSpec: noRules,
  VirtualNodeSpec: checkVirtualNode,
  VirtualRouterSpec: checkVirtualRouter,
  RouteSpec: checkRoute,
  VirtualGatewaySpec: checkVirtualGateway,
  GatewayRouteSpec: checkGatewayRoute,
};

/** Throws a BadRequestException (or LimitExceededException for per-spec quotas) when a model-valid spec breaks a prose rule. */
export function checkSpec<Shape extends SpecShapeName>(specShape: Shape, spec: AppMeshShapeTypes[Shape], context: SpecRuleContext): void {
  specRules[specShape](spec, context);
}

/** The same for a spec of unknown type: it is validated against the kind's spec shape first, then its rules run. */
export function checkSpecRules(kind: ResourceKind, spec: unknown, context: SpecRuleContext): void {
  const specShape = kindDescriptors[kind].specShape;
  checkSpec(specShape, validateShape(specShape, spec, "spec"), context);
}

/** The current specs of the resources a spec names, read in the write's decision (undefined: no such resource). */
export interface MeshReader {
  virtualRouter(name: string): Promise<VirtualRouterSpec | undefined>;
  virtualGateway(name: string): Promise<VirtualGatewaySpec | undefined>;
  virtualNode(name: string): Promise<VirtualNodeSpec | undefined>;
  virtualService(name: string): Promise<VirtualServiceSpec | undefined>;
}

/** Where a spec sits: its parent (the router of a route, the gateway of a gateway route) and the rest of its mesh. */
export interface MeshPlacement {
  parentName: string;
  mesh: MeshReader;
}

type MeshRule<Spec> = (spec: Spec, placement: MeshPlacement) => Promise<void>;

const routeTypes = ["httpRoute", "http2Route", "grpcRoute", "tcpRoute"] as const;
const gatewayRouteTypes = ["httpRoute", "http2Route", "grpcRoute"] as const;

const listenerCount = (spec: { listeners?: readonly unknown[] } | undefined): number => spec?.listeners?.length ?? 0;

/**
 * Guide › Routes › Creating a route, step 11: "Port match is required if this virtual router has multiple
 * listeners" (the API has `match.port` on all four route types; without it a route on such a router sits on no
 * listener). Step 10: "If the selected virtual node has multiple listeners, Target port is required" (without it
 * the target resolves to no listener of the node).
 */
const checkRouteInMesh: MeshRule<RouteSpec> = async (spec, { parentName, mesh }) => {
  const type = routeTypes.find((member) => spec[member] !== undefined);
  if (!type) return;
  const route = spec[type]!;
  const router = await mesh.virtualRouter(parentName);
  const listeners = listenerCount(router);
  if (listeners > 1 && route.match?.port === undefined) {
    throw badRequest(`'spec.${type}.match.port' is required: virtual router ${parentName} has ${listeners} listeners, and a route without a port match sits on none of them.`);
  }
  for (const [index, target] of route.action.weightedTargets.entries()) {
    if (target.port !== undefined) continue;
    const nodeListeners = listenerCount(await mesh.virtualNode(target.virtualNode));
    if (nodeListeners > 1) {
      throw badRequest(`'spec.${type}.action.weightedTargets[${index}].port' is required: virtual node ${target.virtualNode} has ${nodeListeners} listeners.`);
    }
  }
};

/** The listeners of a virtual service's provider (router or node); 0 when it has none or no provider. */
async function providerListeners(mesh: MeshReader, serviceName: string): Promise<{ count: number; provider: string }> {
  const provider = (await mesh.virtualService(serviceName))?.provider;
  if (provider?.virtualRouter) {
    const name = provider.virtualRouter.virtualRouterName;
    return { count: listenerCount(await mesh.virtualRouter(name)), provider: `virtual router ${name}` };
  }
  if (provider?.virtualNode) {
    const name = provider.virtualNode.virtualNodeName;
    return { count: listenerCount(await mesh.virtualNode(name)), provider: `virtual node ${name}` };
  }
  return { count: 0, provider: "" };
}

/**
 * Guide › Gateway routes › Creating a gateway route, step 11: "Port match is required if this virtual gateway has
 * multiple listeners"; step 9: "Virtual service provider port is required when the provider (router or node) of the
 * selected virtual service has multiple listeners".
 */
const checkGatewayRouteInMesh: MeshRule<GatewayRouteSpec> = async (spec, { parentName, mesh }) => {
  const type = gatewayRouteTypes.find((member) => spec[member] !== undefined);
  if (!type) return;
  const route = spec[type]!;
  const listeners = listenerCount(await mesh.virtualGateway(parentName));
  if (listeners > 1 && route.match.port === undefined) {
    throw badRequest(`'spec.${type}.match.port' is required: virtual gateway ${parentName} has ${listeners} listeners, and a gateway route without a port match sits on none of them.`);
  }
  const target = route.action.target;
  if (target.port !== undefined) return;
  const { count, provider } = await providerListeners(mesh, target.virtualService.virtualServiceName);
  if (count > 1) {
    throw badRequest(`'spec.${type}.action.target.port' is required: ${provider}, the provider of virtual service ${target.virtualService.virtualServiceName}, has ${count} listeners.`);
  }
};

const noMeshRules: MeshRule<object> = async () => {};

/** The rules between each kind's spec and the resources it names, by the spec's model shape. */
const meshRules: { [Shape in SpecShapeName]: MeshRule<AppMeshShapeTypes[Shape]> } = {
  MeshSpec: noMeshRules,
  VirtualServiceSpec: noMeshRules,
  VirtualNodeSpec: noMeshRules,
  VirtualRouterSpec: noMeshRules,
  RouteSpec: checkRouteInMesh,
  VirtualGatewaySpec: noMeshRules,
  GatewayRouteSpec: checkGatewayRouteInMesh,
};

/**
 * Throws a BadRequestException when a spec breaks a rule between it and the resources of its mesh, as they are now.
 * Runs inside the write's decision, so the reads are guarded by the mesh's revision like the rest of the write.
 */
export function checkSpecInMesh<Shape extends SpecShapeName>(specShape: Shape, spec: AppMeshShapeTypes[Shape], placement: MeshPlacement): Promise<void> {
  return meshRules[specShape](spec, placement);
}

/**
 * Specs App Mesh's API accepted although no proxy can serve them, and which meshplane accepts too, each with the
 * evidence for accepting rather than refusing. Refusing would break templates and scripts that worked against App
 * Mesh; the case is instead reported by the translation (functions/xds/translate/warnings.ts) under this code: per
 * node in `config_dump` (`warnings`), per mesh in `GET /v1/xds/lint?mesh=`, and as `meshplane_xds_lint_warnings`.
 */
export const acceptedUnservableSpecs = {
  RouteProtocolMismatch:
    "A route whose type is not its router listener's protocol (an httpRoute on an http2 listener). The guide says the type \"must match the listener protocol\" (Routes › Creating a route, step 7), but its own CLI walkthrough (Getting started › Step 3) creates an httpRoute for the http2 router of that step, which App Mesh answered as created, and changes it to an http2Route with update-route in Step 5 (Create additional resources); the console steps of the same walkthrough choose http2. The API accepted it.",
  RoutePortNotListened:
    "A route whose match.port is no listener of its router. The API reference documents match.port only as the port to match; no rule ties it to the router's listeners, and a router update that changes its listeners comes before the route updates in a CloudFormation stack update.",
  RoutePortMissing:
    "A route without match.port on a router with several listeners. Refused on CreateRoute/UpdateRoute (checkRouteInMesh); it exists when the router gained a listener later: UpdateVirtualRouter is accepted, since CloudFormation updates a router before the routes that depend on it.",
  TargetUnresolved:
    "A weighted target that resolves to no listener: its node has no listener or no service discovery, its port is none of the node's listeners, or it has no port while the node gained a second listener. Node listeners are optional in the model and nodes are updated independently of the routes naming them.",
  RouteWeightsZero:
    "A route whose targets' weights add up to 0. Each weight may be 0 (API reference, WeightedTarget: 0 to 100), and templates set weights from parameters that allow 0 (aws-app-mesh-examples, tls-file-conditions.yaml). Envoy refuses a route whose weights add up to 0, so the translation leaves the route out and its requests fall through to the next route.",
  RouteWithoutTargets: "A route none of whose targets resolves (see TargetUnresolved): it is left out, and its requests fall through to the next route.",
  GatewayListenerReservedPort:
    "A virtual gateway listener on 15000 or 15001, the ports the gateway's Envoy itself uses (the egress hop, and the sidecar convention of the guide's Envoy configuration). The model allows any port and the guide states no rule for gateways.",
  GatewayRouteProtocolMismatch: "A gateway route whose type is not its gateway listener's protocol; as for routes, no rule refusing it is documented for gateway routes.",
  GatewayRoutePortNotListened: "A gateway route whose match.port is no listener of its gateway (as RoutePortNotListened).",
  GatewayRoutePortMissing: "A gateway route without match.port on a gateway with several listeners: refused on write (checkGatewayRouteInMesh), possible after UpdateVirtualGateway added a listener.",
  GatewayRouteTargetUnresolved:
    "A gateway route whose target virtual service has no port to send to: no provider, a provider without listeners, target.port none of the provider's ports, or no target.port while the provider has several. Services and providers change independently of the gateway routes naming them.",
  TcpRouteShadowed:
    "A second TCP route on one router listener. TCP has nothing to match on, so the first route by priority and name serves the port (docs/envoy-translation.md §7); the others are accepted, as App Mesh accepted them, and serve nothing.",
  BackendPortConflict:
    "Two backends of one virtual node reachable on the same port with protocols of different families (TCP vs HTTP), or two TCP backends on one port: one egress port can carry one TCP service (RM#175, RM#195). App Mesh accepted such backends.",
  AcmCertificateUnavailable:
    "A listener whose tls.certificate.acm.certificateArn names a certificate meshplane's ACM does not hold, that has expired, or whose key cannot be opened. A spec names its certificate by ARN only, and the certificate lives in another service that changes on its own (it is deleted, expires, or is imported after the mesh, as in a CloudFormation stack that creates both), so the spec is accepted; the listener's TLS waits for a Secret that does not come (docs/aws-services.md).",
  AcmCertificateAuthorityUnavailable:
    "A client policy whose tls.validation.trust.acm.certificateAuthorityArns names a Private CA meshplane's ACM Private CA does not hold (or has deleted); accepted for the same reason as AcmCertificateUnavailable, and served with a validation Secret that does not come.",
} as const;

/** The codes of the translation's warnings. */
export type UnservableSpecCode = keyof typeof acceptedUnservableSpecs;

/**
 * One accepted-but-unservable case as the translation reports it (the JSON of `config_dump`'s and the lint report's
 * `warnings`, docs/operations.md §3).
 * @example
 *   { code: "RouteProtocolMismatch", resource: { kind: "route", name: "serviceB", parentName: "serviceB", arn: "arn:aws:appmesh:…" },
 *     field: "spec.httpRoute", message: "an httpRoute is served only on http listeners; virtual router serviceB listens on 80 with http2: use http2Route" }
 */
export interface UnservableSpecWarning {
  code: UnservableSpecCode;
  /** The resource whose spec it is; `parentName` for routes (the router) and gateway routes (the gateway). */
  resource: { kind: ResourceKind; name: string; parentName?: string; arn: string };
  /** The spec field at fault, as in API error messages (`spec.httpRoute.action.weightedTargets[1].port`). */
  field: string;
  /** What is not served and why, for people. */
  message: string;
}
