// The xDS side of the control-plane Worker, as a Hono app the Worker mounts at `/` (behind the auth routes that
// guard these paths, functions/auth/admin-routes.ts):
//   POST /v3/discovery:{clusters,listeners,routes,endpoints,secrets}  REST xDS, as on Node, from the revision cache
//   GET  /v1/xds/config_dump?node=<id>                                what that node is served now
//   GET  /v1/xds/lint?mesh=<name>                                     the specs the translation cannot serve
//   POST /v1/xds/explain {node, request}                              which route that node's Envoy would pick
//   GET  /v1/xds/proxies[?nodeId=]                                    the last poll of each node, and subscriptions
//   GET  /v1/xds/subscribe?node=<id>                                  a gateway's WebSocket subscription (mesh hub)
import { create } from "@bufbuild/protobuf";
import type { Context } from "hono";
import { Hono } from "hono";
import type { Core } from "../../../core-wasm/index.js";
import type { Store } from "../../../db/store.js";
import { NodeSchema } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { parseNodeId } from "../../envoy/index.js";
import { NodeIdError, type XdsTranslation } from "../cache/types.js";
import { createConfigDumpApp } from "../config-dump-app.js";
import { createExplainApp } from "../explain-app.js";
import { createLintApp } from "../lint-app.js";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import { createRestXdsApp } from "../rest-xds.js";
import type { MeshHubs } from "./mesh-hubs.js";
import { createPollRecorder } from "./poll-recorder.js";
import { createRevisionCache, type RevisionCache } from "./revision-cache.js";

export interface WorkerXdsOptions {
  store: Pick<Store, "readMesh" | "listEndpoints" | "getRevisions">;
  translation: XdsTranslation;
  /** The mesh hubs (binding MESH_HUB); without them REST xDS works and subscriptions and proxies answer 501. */
  hubs: MeshHubs | null;
  /** Every mesh name (for `/v1/xds/proxies` without a node). */
  listMeshes(): Promise<string[]>;
  controlPlaneId?: string;
  /** The routing core `/v1/xds/explain` runs (the one the console runs in the browser). */
  core: Core;
  /** Reads one mesh (the entry passes one whose snapshots carry ACM material); defaults to `loadMeshSnapshot`. */
  loadSnapshot?: (meshName: string) => Promise<MeshSnapshot | null>;
}

export interface WorkerXds {
  app: Hono;
  cache: RevisionCache;
}

const noHubs = (c: Context) => c.json({ message: "This Worker has no MESH_HUB Durable Object binding (wrangler.toml): subscriptions and the proxy list need it." }, 501);

function waitUntil(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (not on Workers): let it run.
    void work;
  }
}

export function createWorkerXdsApp(options: WorkerXdsOptions): WorkerXds {
  const cache = createRevisionCache({ store: options.store, translation: options.translation, ...(options.loadSnapshot ? { loadSnapshot: options.loadSnapshot } : {}) });
  const recorder = createPollRecorder();
  const app = new Hono();
  let inFlight = 0;

  app.use("/v3/*", async (c, next) => {
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
    const polls = recorder.take(inFlight === 0);
    if (polls.size > 0 && options.hubs) waitUntil(c, options.hubs.recordPolls(polls));
  });
  app.route("/", createRestXdsApp({ cache: recorder.wrap(cache), observers: [recorder.observer], ...(options.controlPlaneId ? { controlPlaneId: options.controlPlaneId } : {}) }));
  app.route("/", createConfigDumpApp({ cache }));
  app.route("/", createLintApp({ cache }));
  app.route("/", createExplainApp({ cache, core: options.core }));

  app.get("/v1/xds/proxies", async (c) => {
    if (!options.hubs) return noHubs(c);
    const nodeId = c.req.query("nodeId");
    if (nodeId !== undefined) {
      const identity = parseNodeId(nodeId);
      return c.json({ proxies: "error" in identity ? [] : await options.hubs.proxies([identity.meshName], nodeId) });
    }
    return c.json({ proxies: await options.hubs.proxies(await options.listMeshes()) });
  });

  app.get("/v1/xds/subscribe", async (c) => {
    if (!options.hubs) return noHubs(c);
    const nodeId = c.req.query("node") ?? "";
    const identity = parseNodeId(nodeId);
    if ("error" in identity) return c.json({ message: identity.error }, 400);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.json({ message: "Subscribe with a WebSocket upgrade (Upgrade: websocket)." }, 426);
    try {
      // A gateway configured with a node that does not exist learns it here, not from silence.
      await cache.fetch(create(NodeSchema, { id: nodeId, cluster: nodeId }));
    } catch (error) {
      if (error instanceof NodeIdError) return c.json({ message: error.message }, 404);
      throw error;
    }
    return options.hubs.subscribe(c.req.raw, identity.meshName, nodeId);
  });

  return { app, cache };
}
