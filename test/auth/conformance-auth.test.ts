// The App Mesh conformance suite with authentication on: every SDK call and raw request is signed (the SDK client
// with its usual key, raw requests with the SDK's signer), and afterwards every mutating call the suite made must
// have an audit entry with its request id.
import type { HttpRequest, HttpResponse } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { defineConformanceSuite } from "../api/conformance.cases.js";
import { startTestControlPlane } from "../support/control-plane.js";
import { signedFetch, testKeys, writeAuthFile } from "./support.js";

interface MutatingCall {
  what: string;
  requestId: string | undefined;
}

const calls: MutatingCall[] = [];
const missing: string[] = [];
let checkedPlanes = 0;

const isMutating = (method: string, path: string) => (method === "PUT" || method === "DELETE") && path.startsWith("/v20190125/");

defineConformanceSuite("embedded SQLite, authentication on", async (env) => {
  const plane = await startTestControlPlane({ env: { ...env, MESHPLANE_AUTH_FILE: writeAuthFile(), MESHPLANE_RATE_LIMIT: "off" } });
  const ownCalls: MutatingCall[] = [];
  plane.client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as HttpRequest;
      const record = (response: HttpResponse | undefined) => {
        if (isMutating(request.method, request.path)) ownCalls.push({ what: `${request.method} ${request.path}`, requestId: response?.headers["x-amzn-requestid"] });
      };
      try {
        const result = await next(args);
        record(result.response as HttpResponse);
        return result;
      } catch (error) {
        record((error as { $response?: HttpResponse }).$response);
        throw error;
      }
    },
    { step: "deserialize", name: "recordMutatingCalls" },
  );
  const stop = plane.stop;
  return {
    ...plane,
    async request(method, pathAndQuery, init = {}) {
      const response = await signedFetch(plane.url, testKeys.full, method, pathAndQuery, init);
      const path = pathAndQuery.split("?")[0]!;
      // Requests refused before any operation's route ran (no such route, or a body over the limit, which the
      // streaming body limit refuses ahead of authentication) are not API calls and are not audited.
      const message = response.status >= 400 ? ((await response.clone().json()) as { message?: string }).message ?? "" : "";
      const beforeOperation = /^No operation matches|is not allowed on|^The request body exceeds/.test(message);
      if (isMutating(method, path) && !beforeOperation) ownCalls.push({ what: `${method} ${pathAndQuery}`, requestId: response.headers.get("x-amzn-requestid") ?? undefined });
      return response;
    },
    async stop() {
      const audited = new Set<string>();
      for (let afterSeq = 0; ; ) {
        const page = await plane.running.store.listAudit({ afterSeq, limit: 1000 });
        page.forEach((entry) => audited.add(entry.requestId));
        if (page.length < 1000) break;
        afterSeq = page.at(-1)!.seq;
      }
      for (const call of ownCalls) {
        calls.push(call);
        if (!call.requestId || !audited.has(call.requestId)) missing.push(`${call.what} (${call.requestId ?? "no request id"})`);
      }
      checkedPlanes++;
      await stop();
    },
  };
});

describe("audit log of the conformance suite with authentication on", () => {
  it("has an entry for every mutating call the suite made", () => {
    expect(checkedPlanes).toBeGreaterThan(0);
    expect(calls.length).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });
});
