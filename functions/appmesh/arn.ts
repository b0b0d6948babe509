// App Mesh ARNs: arn:aws:appmesh:<region>:<account>:mesh/<mesh>[/<kind>/<name>], with routes and gateway
// routes nested under their parent (…/virtualRouter/<r>/route/<name>). meshplane's own policies live in the same
// namespace (…:mesh/<mesh>/policy/<name>), so IAM resource patterns on a mesh cover its policies too.
import type { ResourceKey } from "../../db/store.js";
import type { ResourceKind } from "./kinds.js";

export interface ArnContext {
  region: string;
  accountId: string;
}

export function resourcePath(key: ResourceKey): string {
  const mesh = `mesh/${key.meshName}`;
  switch (key.kind as ResourceKind) {
    case "mesh":
      return mesh;
    case "route":
      return `${mesh}/virtualRouter/${key.parentName}/route/${key.name}`;
    case "gatewayRoute":
      return `${mesh}/virtualGateway/${key.parentName}/gatewayRoute/${key.name}`;
    default:
      return `${mesh}/${key.kind}/${key.name}`;
  }
}

export function toArn(context: ArnContext, key: ResourceKey): string {
  return `arn:aws:appmesh:${context.region}:${context.accountId}:${resourcePath(key)}`;
}

const arnPattern = /^arn:aws[a-z-]*:appmesh:([^:]*):(\d{12}):(.+)$/;

/** The account and resource an ARN names, or null when it is not an App Mesh resource ARN. */
export function parseArn(arn: string): { region: string; accountId: string; key: ResourceKey } | null {
  const match = arnPattern.exec(arn);
  if (!match) return null;
  const [, region, accountId, path] = match as unknown as [string, string, string, string];
  const parts = path.split("/");
  if (parts[0] !== "mesh" || parts.some((part) => part === "")) return null;
  const meshName = parts[1]!;
  let key: ResourceKey | null = null;
  if (parts.length === 2) key = { kind: "mesh", meshName, parentName: "", name: meshName };
  else if (parts.length === 4 && ["virtualService", "virtualNode", "virtualRouter", "virtualGateway", "policy"].includes(parts[2]!)) {
    key = { kind: parts[2]!, meshName, parentName: "", name: parts[3]! };
  } else if (parts.length === 6 && parts[2] === "virtualRouter" && parts[4] === "route") {
    key = { kind: "route", meshName, parentName: parts[3]!, name: parts[5]! };
  } else if (parts.length === 6 && parts[2] === "virtualGateway" && parts[4] === "gatewayRoute") {
    key = { kind: "gatewayRoute", meshName, parentName: parts[3]!, name: parts[5]! };
  }
  return key && { region, accountId, key };
}
