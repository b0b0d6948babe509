import { describe, expect, it } from "vitest";
import { createConfigDump, resourceVersion, typeVersion } from "../../functions/xds/config-dump.js";
import { translateNode } from "../../functions/xds/translate/index.js";
import { MakeDnsNode, MakeSnapshot, MakeVirtualService, MESH } from "./translate/fixtures.js";

const snapshot = (port: number) =>
  MakeSnapshot({
    virtualNodes: [MakeDnsNode("client", 8080, "http", { backends: [{ virtualService: { virtualServiceName: "b.app.local" } }] }), MakeDnsNode("b", port, "http")],
    virtualServices: [MakeVirtualService("b.app.local", { provider: { virtualNode: { virtualNodeName: "b" } } })],
  });
const node = { meshName: MESH, kind: "virtualNode" as const, name: "client" };

describe("createConfigDump", () => {
  it("lists every type like Envoy's config_dump, each resource with its version", () => {
    const dump = createConfigDump(snapshot(80), node);
    expect(dump.configs.map((c) => c["@type"])).toEqual([
      "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
      "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",
      "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
      "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",
      "type.googleapis.com/envoy.admin.v3.SecretsConfigDump",
    ]);
    const listeners = dump.configs[2]!.dynamic_listeners as { name: string; active_state: { version_info: string; listener: { "@type": string } } }[];
    expect(listeners.map((l) => l.name)).toEqual(["lds_egress_0.0.0.0_15001", "lds_ingress_0.0.0.0_15000"]);
    expect(listeners[0]!.active_state.listener["@type"]).toBe("type.googleapis.com/envoy.config.listener.v3.Listener");
    expect(listeners[0]!.active_state.version_info).toMatch(/^[0-9a-f]{16}$/);
  });

  it("changes a type's version exactly when that type's content changes", () => {
    const before = translateNode(snapshot(80), node);
    const after = translateNode(snapshot(81), node);
    expect(typeVersion("cluster", after.clusters)).not.toBe(typeVersion("cluster", before.clusters));
    expect(typeVersion("listener", after.listeners)).not.toBe(typeVersion("listener", before.listeners));
    expect(typeVersion("secret", after.secrets)).toBe(typeVersion("secret", before.secrets));
    const ingress = (r: typeof before) => r.clusters.find((c) => c.name === "cds_ingress_app_client_http_8080")!;
    expect(resourceVersion("cluster", ingress(after))).toBe(resourceVersion("cluster", ingress(before)));
  });
});
