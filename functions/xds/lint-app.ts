// `GET /v1/xds/lint?mesh=<name>`: every spec of the mesh the API accepted but the translation cannot serve, as the
// translation reports it (functions/xds/translate/lint.ts), at the revision the cache holds. The JSON is documented
// in docs/operations.md §3 for tools and the console.
import { Hono } from "hono";
import type { XdsCache } from "./cache/cache.js";
import { MeshUnavailableError } from "./cache/types.js";

export function createLintApp(options: { cache: Pick<XdsCache, "lint"> }): Hono {
  const app = new Hono();
  app.get("/v1/xds/lint", async (c) => {
    const meshName = c.req.query("mesh");
    if (!meshName) return c.json({ message: "Query parameter mesh (the mesh's name) is required." }, 400);
    let lint;
    try {
      lint = await options.cache.lint(meshName);
    } catch (error) {
      if (error instanceof MeshUnavailableError) return c.json({ message: error.message }, 503, { "retry-after": "2" });
      throw error;
    }
    if (!lint) return c.json({ message: `Mesh ${meshName} was not found.` }, 404);
    return c.json({ mesh: lint.meshName, meshRevision: lint.meshRevision, warnings: lint.warnings });
  });
  return app;
}
