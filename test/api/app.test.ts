// createApiApp's foreground mark (what lets xDS background work give way to API requests): a request is marked only
// once its body has been read, so a client still uploading holds nothing back, and the mark ends with the response.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../../functions/api/app.js";
import { createAppMeshService, defaultQuotas } from "../../functions/appmesh/index.js";
import { openTemporaryStore, type TemporaryStore } from "../support/sqlite-store.js";

describe("createApiApp onRequest", () => {
  let temporary: TemporaryStore;
  let marks = 0;
  let ended = 0;

  beforeAll(async () => {
    temporary = await openTemporaryStore("api-app-foreground");
  });
  afterAll(async () => temporary?.remove());

  function app() {
    const service = createAppMeshService(temporary.store, { region: "us-east-1", accountId: "111122223333", quotas: { ...defaultQuotas }, checkRegex: () => ({ ok: true }) });
    return createApiApp({
      service,
      onRequest: () => {
        marks++;
        return () => ended++;
      },
    });
  }

  it("marks a request only after its body has arrived, and ends the mark once the response is ready", async () => {
    marks = 0;
    ended = 0;
    let push!: (chunk: Uint8Array | null) => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => (chunk ? controller.enqueue(chunk) : controller.close());
      },
    });
    const text = JSON.stringify({ meshName: "uploaded", spec: {} });
    const pending = app().request("/v20190125/meshes", { method: "PUT", headers: { "content-type": "application/json" }, body, duplex: "half" } as RequestInit);
    push(new TextEncoder().encode(text.slice(0, 5)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ marks, ended }).toEqual({ marks: 0, ended: 0 });
    push(new TextEncoder().encode(text.slice(5)));
    push(null);
    const response = await pending;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { meshName: string }).meshName).toBe("uploaded");
    expect({ marks, ended }).toEqual({ marks: 1, ended: 1 });
  });

  it("ends the mark of a refused request too", async () => {
    marks = 0;
    ended = 0;
    const response = await app().request("/v20190125/meshes", { method: "PUT", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(response.status).toBe(400);
    expect({ marks, ended }).toEqual({ marks: 1, ended: 1 });
  });
});
