// The App Mesh model as the console's forms read it: shapes, their members in a readable order, which members are
// required, ranges and lengths for hints. Everything comes from functions/appmesh's generated model; the few
// presentation choices the model cannot make (member order, route-type groups) are listed here.
import { appMeshOperations, appMeshShapes, type ModelMember, type ModelOperation, type ModelShape } from "../../../appmesh/index.js";

export type { ModelMember, ModelOperation, ModelShape };

const shapes = appMeshShapes as unknown as Readonly<Record<string, ModelShape>>;
export const operations = appMeshOperations as unknown as Readonly<Record<string, ModelOperation>>;

export function shapeOf(name: string): ModelShape {
  const shape = shapes[name];
  if (!shape) throw new Error(`the App Mesh model has no shape ${name}`);
  return shape;
}

export function operationOf(name: string): ModelOperation {
  const operation = operations[name];
  if (!operation) throw new Error(`the App Mesh model has no operation ${name}`);
  return operation;
}

/**
 * Members the model holds as separate optional fields but App Mesh accepts only one of (the prose rule "one route
 * type per route"): the form offers them as one choice, like a union.
 */
export const exclusiveGroups: Readonly<Record<string, { label: string; members: readonly string[] }>> = {
  RouteSpec: { label: "Route type", members: ["httpRoute", "http2Route", "grpcRoute", "tcpRoute"] },
  GatewayRouteSpec: { label: "Route type", members: ["httpRoute", "http2Route", "grpcRoute"] },
};

/** The order App Mesh's console showed these members in; the rest follow, required ones first. */
const preferredOrder: Readonly<Record<string, readonly string[]>> = {
  VirtualNodeSpec: ["serviceDiscovery", "backends", "backendDefaults", "listeners", "logging"],
  VirtualGatewaySpec: ["listeners", "backendDefaults", "logging"],
  Listener: ["portMapping", "healthCheck", "connectionPool", "outlierDetection", "timeout", "tls"],
  VirtualGatewayListener: ["portMapping", "healthCheck", "connectionPool", "tls"],
  RouteSpec: ["priority"],
  HttpRoute: ["match", "action", "retryPolicy", "timeout"],
  GrpcRoute: ["match", "action", "retryPolicy", "timeout"],
  TcpRoute: ["match", "action", "timeout"],
  HttpRouteMatch: ["prefix", "path", "method", "scheme", "headers", "queryParameters", "port"],
  HealthCheckPolicy: ["protocol", "path", "port", "intervalMillis", "timeoutMillis", "healthyThreshold", "unhealthyThreshold"],
  WeightedTarget: ["virtualNode", "weight", "port"],
  PortMapping: ["protocol", "port"],
  TagRef: ["key", "value"],
  Duration: ["value", "unit"],
};

/** A structure's members for a form: preferred order, then required, then the model's (alphabetical) order. */
export function orderedMembers(shapeName: string): Array<[string, ModelMember]> {
  const shape = shapeOf(shapeName);
  const members = Object.entries(shape.members ?? {});
  const preferred = preferredOrder[shapeName] ?? [];
  const required = new Set(shape.required ?? []);
  const rank = ([name]: [string, ModelMember]) => {
    const at = preferred.indexOf(name);
    return at >= 0 ? at : preferred.length + (required.has(name) ? 0 : 1);
  };
  return members.map((entry, index) => ({ entry, index })).sort((a, b) => rank(a.entry) - rank(b.entry) || a.index - b.index).map(({ entry }) => entry);
}

export const isRequired = (shapeName: string, member: string): boolean => (shapeOf(shapeName).required ?? []).includes(member);

/** "1–255 characters", "0–100", "At least 1 item": the model's bounds in words. */
export function constraintHint(shapeName: string): string | undefined {
  const shape = shapeOf(shapeName);
  const { min, max } = shape;
  if (min === undefined && max === undefined) return undefined;
  const unit = shape.type === "string" ? " characters" : shape.type === "list" ? " items" : "";
  if (min !== undefined && max !== undefined) return min === max ? `Exactly ${min}${unit}` : `${min}–${max}${unit}`;
  return min !== undefined ? `At least ${min}${unit}` : `At most ${max}${unit}`;
}
