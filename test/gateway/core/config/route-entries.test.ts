// The gateway compiles the route configurations meshplane translates for every Envoy release: the weighted picks in
// core-wasm must follow the weights whether or not total_weight is sent (Envoy before 1.24 gets it, as the sum).
import { describe, expect, it } from "vitest";
import { loadCore } from "../../../../core-wasm/node.js";
import { compileRouteConfig } from "../../../../functions/gateway/core/config/route-entries.js";
import { parseEnvoyVersion } from "../../../../functions/envoy/index.js";
import { createMeshTranslator } from "../../../../functions/xds/translate/index.js";
import { MakeBlueGreenSnapshot, MakeRoute, MESH } from "../../../xds/translate/fixtures.js";

const snapshot = MakeBlueGreenSnapshot([
  MakeRoute("svc", "canary", {
    httpRoute: {
      match: { prefix: "/", headers: [{ name: "x-user", match: { regex: "[a-z]+" } }] },
      action: { weightedTargets: [{ virtualNode: "blue", weight: 75 }, { virtualNode: "green", weight: 25 }] },
    },
  }),
]);

describe("compileRouteConfig", () => {
  it.each(["1.20.0", "1.34.13"])("splits a 75/25 route 75/25 from the output for Envoy %s", (release) => {
    const resources = createMeshTranslator(snapshot).translateNode({ meshName: MESH, kind: "virtualNode", name: "client" }, { envoyVersion: parseEnvoyVersion(release)! });
    const config = resources.routes.find((r) => r.name === "rds_egress_http_80")!;
    const compiled = compileRouteConfig(config, loadCore());
    const picks = new Map<string, number>();
    // 100 evenly spaced draws over [0, 1): exactly the weights, no sampling noise.
    for (let i = 0; i < 100; i++) {
      const match = compiled.table.match({ method: "GET", authority: "svc.app.local", path: "/", headers: { "x-user": "ann" } }, (i + 0.5) / 100);
      picks.set(match!.cluster!, (picks.get(match!.cluster!) ?? 0) + 1);
    }
    expect(Object.fromEntries(picks)).toEqual({ cds_egress_app_blue_http_80: 75, cds_egress_app_green_http_80: 25 });
    expect(compiled.table.match({ method: "GET", authority: "svc.app.local", path: "/", headers: { "x-user": "42" } })).toBeNull();
  });
});
