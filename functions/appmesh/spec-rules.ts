// The rules App Mesh enforces that its model states only in prose. Model constraints (types, lengths, ranges,
// enums, unions) are checked before these run, so these see well-typed specs.
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

const checkVirtualNode: Rule<VirtualNodeSpec> = (spec, context) => {
  checkListeners(spec.listeners as AnyListener[] | undefined, "spec.listeners");
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
