// `GET /v1/xds/config_dump?node=<id>`: exactly what that node id receives from this control plane right now
// (the xDS cache's resources and versions, not a second translation), shaped like Envoy's /config_dump.
import { create, type JsonObject, type Message } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Hono } from "hono";
import { NodeSchema } from "../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { XdsCache } from "./cache/cache.js";
import { MeshUnavailableError, NodeIdError } from "./cache/types.js";
import type { UnservableSpecWarning } from "../appmesh/index.js";
import { configDumpFromTypes, type DumpedType } from "./config-dump.js";
import { envoyRegistry, TypeUrl, type ResourceType } from "../envoy/index.js";

export interface NodeConfigDump {
  node: string;
  meshRevision: number;
  configs: JsonObject[];
  /** What the translation left out of this node's configuration, and why (see XdsTranslation warnings). */
  warnings: readonly UnservableSpecWarning[];
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
  return { node: id, meshRevision: snapshot.meshRevision, ...configDumpFromTypes(types), warnings: snapshot.warnings };
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
      if (error instanceof MeshUnavailableError) return c.json({ message: error.message }, 503, { "retry-after": "2" });
      throw error;
    }
  });
  return app;
}
