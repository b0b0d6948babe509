// `POST /v1/xds/explain`: which virtual host, route and clusters a node's Envoy would pick for one request, and
// why the earlier routes did not match (docs/api.md). It explains the node's config dump with the same pure module
// the console runs in the browser, so both give one answer. Errors use the App Mesh wire format.
import { Hono } from "hono";
import type { Core } from "../../core-wasm/index.js";
import { AppMeshError } from "../appmesh/index.js";
import type { XdsCache } from "./cache/cache.js";
import { NodeIdError } from "./cache/types.js";
import { createNodeConfigDump } from "./config-dump-app.js";
import { explainRequest, parseExplainBody } from "./explain/index.js";

export function createExplainApp(options: { cache: Pick<XdsCache, "fetch">; core: Core }): Hono {
  const app = new Hono();
  app.post("/v1/xds/explain", async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw new AppMeshError("BadRequestException", "The request body is not valid JSON.");
    }
    const input = parseExplainBody(body);
    if (typeof input === "string") throw new AppMeshError("BadRequestException", input);
    let dump;
    try {
      dump = await createNodeConfigDump(options.cache, input.node);
    } catch (error) {
      if (error instanceof NodeIdError) throw new AppMeshError("NotFoundException", error.message);
      throw error;
    }
    return c.json({ ...explainRequest(dump, input, options.core), meshRevision: dump.meshRevision });
  });
  return app;
}
