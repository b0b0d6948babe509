import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { BootstrapSchema } from "../../proto/gen/envoy/config/bootstrap/v3/bootstrap_pb.js";
import { bootstrapToJson, createBootstrap, XDS_CLUSTER } from "../../functions/xds/bootstrap.js";
import { validateEnvoyMessage } from "../../functions/xds/translate/validate-envoy.js";

describe("createBootstrap", () => {
  const bootstrap = createBootstrap({ nodeId: "mesh/app/virtualNode/serviceA", xds: { host: "127.0.0.1", port: 18000 }, sdsSocketPath: "/run/sds.sock" });

  it("passes Envoy's bootstrap validation rules", () => {
    expect(validateEnvoyMessage(BootstrapSchema, bootstrap)).toEqual([]);
  });

  it("uses the node id as node.id and node.cluster and fetches listeners and clusters over ADS", () => {
    const json = bootstrapToJson(bootstrap) as Record<string, any>;
    expect(json.node).toEqual({ id: "mesh/app/virtualNode/serviceA", cluster: "mesh/app/virtualNode/serviceA" });
    expect(json.dynamic_resources.ads_config).toMatchObject({ api_type: "GRPC", transport_api_version: "V3", grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }] });
    expect(json.dynamic_resources.lds_config).toEqual({ ads: {}, resource_api_version: "V3" });
    expect(json.dynamic_resources.cds_config).toEqual({ ads: {}, resource_api_version: "V3" });
    expect(json.admin.address.socket_address).toEqual({ address: "127.0.0.1", port_value: 9901 });
  });

  it("speaks HTTP/2 to meshplane and adds the SDS socket cluster only when asked", () => {
    const json = bootstrapToJson(bootstrap) as Record<string, any>;
    const names = json.static_resources.clusters.map((c: { name: string }) => c.name);
    expect(names).toEqual([XDS_CLUSTER, "static_cluster_sds_unix_socket"]);
    expect(json.static_resources.clusters[0].type).toBe("STATIC");
    expect(Object.keys(json.static_resources.clusters[0].typed_extension_protocol_options)).toEqual(["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]);
    const plain = bootstrapToJson(createBootstrap({ nodeId: "mesh/app/virtualGateway/gw", xds: { host: "meshplane", port: 18000 } })) as Record<string, any>;
    expect(plain.static_resources.clusters.map((c: { name: string }) => c.name)).toEqual([XDS_CLUSTER]);
    expect(plain.static_resources.clusters[0].type).toBe("LOGICAL_DNS");
  });
});

describe("bootstrap CLI", () => {
  const cli = ["--import", "tsx", "functions/xds/bootstrap-cli.ts"];

  it("prints a bootstrap for a valid node id", () => {
    const out = execFileSync(process.execPath, [...cli, "--node", "mesh/app/virtualNode/serviceA", "--xds", "10.0.0.5:18001"], { encoding: "utf8" });
    const json = JSON.parse(out);
    expect(json.node.id).toBe("mesh/app/virtualNode/serviceA");
    expect(json.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: "10.0.0.5", port_value: 18001 });
  });

  it("refuses a node id that is not an App Mesh virtual node or gateway", () => {
    const result = spawnSync(process.execPath, [...cli, "--node", "serviceA"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("mesh/<mesh>/virtualNode/<name>");
  });
});
