// `GET /v1/xds/config_dump?node=<id>`: exactly what that node id receives from this control plane right now
// (the xDS cache's resources and versions, not a second translation), shaped like Envoy's /config_dump.
import { create, type JsonObject, type Message } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Hono } from "hono";
import { NodeSchema } from "../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { XdsCache } from "./cache/cache.js";
import { NodeIdError } from "./cache/types.js";
import { configDumpFromTypes, type DumpedType } from "./config-dump.js";
import { envoyRegistry, TypeUrl, type Cluster, type Listener, type ResourceType } from "../envoy/index.js";
import { adsSecretNames } from "./translate/index.js";

/**
 * The mesh's unservable ACM material that this node's listeners and clusters name (an SDS secret over ADS whose
 * name is, or lists, the ARN): the listener or cluster waits for a Secret that never comes.
 */
function tlsWarnings(problems: readonly string[], listeners: readonly Listener[], clusters: readonly Cluster[]): string[] {
  if (problems.length === 0) return [];
  const sockets = [...listeners.flatMap((listener) => listener.filterChains.map((chain) => chain.transportSocket)), ...clusters.map((cluster) => cluster.transportSocket)];
  const arns = new Set(sockets.flatMap((socket) => adsSecretNames(socket)).flatMap((name) => name.split(",")));
  return problems.filter((problem) => [...arns].some((arn) => problem.includes(arn)));
}

export interface NodeConfigDump {
  node: string;
  meshRevision: number;
  /** ACM material this node's listeners or clusters name that cannot be served (the TLS lint). */
  warnings?: string[];
  configs: JsonObject[];
}

/** The config dump of node `id` from the cache; rejects with NodeIdError for a malformed id or an unknown mesh. */
export async function createNodeConfigDump(cache: Pick<XdsCache, "fetch">, id: string): Promise<NodeConfigDump> {
  const snapshot = await cache.fetch(create(NodeSchema, { id, cluster: id }));
  const dumped = (type: ResourceType): DumpedType => ({
    version: snapshot.types[type].version,
    resources: [...snapshot.types[type].resources.values()].map((resource) => ({
      name: resource.name,
      version: resource.version,
      message: anyUnpack(resource.any, envoyRegistry) as Message,
    })),
  });
  const types = Object.fromEntries((Object.keys(TypeUrl) as ResourceType[]).map((type) => [type, dumped(type)])) as Record<ResourceType, DumpedType>;
  const messages = <T>(type: ResourceType) => types[type].resources.map((resource) => resource.message as unknown as T);
  const warnings = tlsWarnings(snapshot.tlsProblems, messages<Listener>("listener"), messages<Cluster>("cluster"));
  return { node: id, meshRevision: snapshot.meshRevision, ...(warnings.length > 0 ? { warnings } : {}), ...configDumpFromTypes(types) };
}

export function createConfigDumpApp(options: { cache: Pick<XdsCache, "fetch"> }): Hono {
  const app = new Hono();
  app.get("/v1/xds/config_dump", async (c) => {
    const id = c.req.query("node");
    if (!id) return c.json({ message: "Query parameter node (e.g. mesh/<mesh>/virtualNode/<name>) is required." }, 400);
    try {
      return c.json(await createNodeConfigDump(options.cache, id));
    } catch (error) {
      if (error instanceof NodeIdError) return c.json({ message: error.message }, 404);
      throw error;
    }
  });
  return app;
}
