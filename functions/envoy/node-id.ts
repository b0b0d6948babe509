// Envoy node ids as App Mesh's image sends them (docs/envoy-translation.md §2): `mesh/<mesh>/virtualNode/<name>`,
// `mesh/<mesh>/virtualGateway/<name>`, or the full ARN `arn:aws:appmesh:<region>:<account>:mesh/<mesh>/…`.

export const NODE_KINDS = ["virtualNode", "virtualGateway"] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** Which mesh resource an Envoy (or proxyless gRPC client) stands for. */
export interface NodeIdentity {
  meshName: string;
  kind: NodeKind;
  /** The virtual node's or virtual gateway's name. */
  name: string;
  /** Present when the id was an ARN: the mesh owner's account, for shared meshes. */
  account?: string;
  region?: string;
}

const ARN_PREFIX = /^arn:(aws[a-zA-Z-]*):appmesh:([^:]*):([^:]*):(.*)$/;

/**
 * @example
 * parseNodeId("mesh/app/virtualNode/serviceB") // → { meshName: "app", kind: "virtualNode", name: "serviceB" }
 * parseNodeId("arn:aws:appmesh:us-east-1:111122223333:mesh/app/virtualGateway/gw")
 *   // → { meshName: "app", kind: "virtualGateway", name: "gw", account: "111122223333", region: "us-east-1" }
 */
export function parseNodeId(id: string): NodeIdentity | { error: string } {
  let resource = id;
  let account: string | undefined;
  let region: string | undefined;
  const arn = ARN_PREFIX.exec(id);
  if (arn) {
    region = arn[2];
    account = arn[3];
    resource = arn[4]!;
  } else if (id.startsWith("arn:")) {
    return { error: `node id "${id}" is not an App Mesh ARN` };
  }
  const parts = resource.split("/");
  if (parts.length !== 4 || parts[0] !== "mesh") {
    return { error: `node id "${id}" must look like mesh/<mesh>/virtualNode/<name> or mesh/<mesh>/virtualGateway/<name>` };
  }
  const [, meshName, kind, name] = parts as [string, string, string, string];
  if (!(NODE_KINDS as readonly string[]).includes(kind)) return { error: `node id "${id}": "${kind}" is neither virtualNode nor virtualGateway` };
  if (meshName === "" || name === "") return { error: `node id "${id}" has an empty mesh or resource name` };
  const identity: NodeIdentity = { meshName, kind: kind as NodeKind, name };
  if (account !== undefined) identity.account = account;
  if (region !== undefined) identity.region = region;
  return identity;
}

/** The bare form (`mesh/<mesh>/<kind>/<name>`), used as Envoy's node id and cluster by `npm run bootstrap`. */
export function formatNodeId(node: Pick<NodeIdentity, "meshName" | "kind" | "name">): string {
  return `mesh/${node.meshName}/${node.kind}/${node.name}`;
}
