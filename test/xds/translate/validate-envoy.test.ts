// The validator must catch what Envoy would NACK: each case breaks one rule on an otherwise valid set.
import { describe, expect, it } from "vitest";
import { clone, create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { ClusterSchema, Cluster_DiscoveryType } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { HealthCheckSchema } from "../../../proto/gen/envoy/config/core/v3/health_check_pb.js";
import { RouteSchema } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { ListenerSchema } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../proto/gen/envoy/config/route/v3/route_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { translateNode, type NodeResources } from "../../../functions/xds/translate/index.js";
import { validateEnvoyMessage, validateNodeResources } from "../../../functions/xds/translate/validate-envoy.js";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { MakeDnsNode, MakeSnapshot, MakeVirtualNode, MakeVirtualService, MESH } from "./fixtures.js";

const valid = (): NodeResources =>
  translateNode(
    MakeSnapshot({
      virtualNodes: [MakeDnsNode("client", 8080, "http", { backends: [{ virtualService: { virtualServiceName: "b.app.local" } }] }), MakeDnsNode("b", 80, "http")],
      virtualServices: [MakeVirtualService("b.app.local", { provider: { virtualNode: { virtualNodeName: "b" } } })],
    }),
    { meshName: MESH, kind: "virtualNode", name: "client" },
  );
const rules = (resources: NodeResources) => validateNodeResources(resources).map((v) => v.rule);
const egressCluster = (r: NodeResources) => r.clusters.find((c) => c.name === "cds_egress_app_b_http_80")!;

describe("validateEnvoyMessage", () => {
  it("accepts a translated node", () => {
    expect(validateNodeResources(valid())).toEqual([]);
  });

  it("rejects an empty cluster name (string.min_len)", () => {
    const cluster = create(ClusterSchema, { connectTimeout: durationFromMs(1000) });
    expect(validateEnvoyMessage(ClusterSchema, cluster).map((v) => v.rule)).toContain("string.min_len");
  });

  it("rejects an undefined enum value (enum.defined_only)", () => {
    const cluster = create(ClusterSchema, { name: "x", clusterDiscoveryType: { case: "type", value: 42 as Cluster_DiscoveryType } });
    expect(validateEnvoyMessage(ClusterSchema, cluster)).toContainEqual(expect.objectContaining({ rule: "enum.defined_only", path: ".type" }));
  });

  it("rejects a zero connect timeout (duration.gt)", () => {
    const cluster = create(ClusterSchema, { name: "x", connectTimeout: durationFromMs(0) });
    expect(validateEnvoyMessage(ClusterSchema, cluster).map((v) => v.rule)).toContain("duration.gt");
  });

  it("rejects a health check without its required fields and checker (message.required, oneof.required)", () => {
    const found = validateEnvoyMessage(HealthCheckSchema, create(HealthCheckSchema, {})).map((v) => `${v.path} ${v.rule}`);
    expect(found).toContain(".timeout message.required");
    expect(found).toContain(".unhealthy_threshold message.required");
    expect(found).toContain(".health_checker oneof.required");
  });

  it("rejects a route without action and with an empty header name, inside an Any too", () => {
    const route = create(RouteSchema, { match: { pathSpecifier: { case: "prefix", value: "/" }, headers: [{ name: "", headerMatchSpecifier: { case: "presentMatch", value: true } }] } });
    const found = validateEnvoyMessage(RouteSchema, route).map((v) => v.rule);
    expect(found).toEqual(expect.arrayContaining(["oneof.required", "string.min_len"]));
    const listener = create(ListenerSchema, { name: "l", apiListener: { apiListener: anyPack(RouteSchema, route) } });
    expect(validateEnvoyMessage(ListenerSchema, listener).some((v) => v.path.includes("<envoy.config.route.v3.Route>"))).toBe(true);
  });

  it("rejects a header name with a newline (well-known HTTP header regex)", () => {
    const route = create(RouteSchema, {
      match: { pathSpecifier: { case: "prefix", value: "/" }, headers: [{ name: "x\nbad", headerMatchSpecifier: { case: "presentMatch", value: true } }] },
      action: { case: "route", value: { clusterSpecifier: { case: "cluster", value: "c" } } },
    });
    expect(validateEnvoyMessage(RouteSchema, route).map((v) => v.rule)).toContain("string.well_known_regex");
  });
});

describe("validateCrossResourceRules", () => {
  it("rejects two filter chains with the same match in one listener", () => {
    const resources = valid();
    const egress = clone(ListenerSchema, resources.listeners.find((l) => l.name === "lds_egress_0.0.0.0_15001")!);
    egress.filterChains.push(egress.filterChains[0]!);
    resources.listeners = resources.listeners.map((l) => (l.name === egress.name ? egress : l));
    expect(rules(resources)).toEqual(expect.arrayContaining(["cross.unique_filter_chain_match", "cross.unique_filter_chain_name"]));
  });

  it("rejects a domain served by two virtual hosts of one route configuration", () => {
    const resources = valid();
    const config = clone(RouteConfigurationSchema, resources.routes.find((r) => r.name === "rds_egress_http_80")!);
    config.virtualHosts.push(config.virtualHosts[0]!);
    resources.routes = resources.routes.map((r) => (r.name === config.name ? config : r));
    expect(rules(resources)).toEqual(expect.arrayContaining(["cross.unique_domain", "cross.unique_virtual_host_name"]));
  });

  it("rejects a route naming a cluster that is not in the set", () => {
    const resources = valid();
    resources.clusters = resources.clusters.filter((c) => c.name !== "cds_egress_app_b_http_80");
    expect(rules(resources)).toContain("cross.cluster_exists");
  });

  it("rejects a LOGICAL_DNS cluster with two endpoints", () => {
    const resources = valid();
    const cluster = clone(ClusterSchema, egressCluster(resources));
    cluster.loadAssignment!.endpoints[0]!.lbEndpoints.push(cluster.loadAssignment!.endpoints[0]!.lbEndpoints[0]!);
    resources.clusters = resources.clusters.map((c) => (c.name === cluster.name ? cluster : c));
    expect(rules(resources)).toContain("cross.logical_dns_single_endpoint");
  });

  it("rejects an HCM whose RDS route configuration is missing, and an EDS cluster without assignment", () => {
    const resources = valid();
    resources.routes = resources.routes.filter((r) => r.name !== "rds_egress_http_80");
    const eds = clone(ClusterSchema, egressCluster(resources));
    eds.clusterDiscoveryType = { case: "type", value: Cluster_DiscoveryType.EDS };
    resources.clusters = resources.clusters.map((c) => (c.name === eds.name ? eds : c));
    expect(rules(resources)).toEqual(expect.arrayContaining(["cross.route_config_exists", "cross.eds_assignment_exists"]));
    resources.endpoints = [create(ClusterLoadAssignmentSchema, { clusterName: eds.name })];
    expect(rules(resources)).not.toContain("cross.eds_assignment_exists");
  });

  it("rejects a listener expecting an ACM certificate over ADS that the set does not carry", () => {
    const snapshot = MakeSnapshot({
      virtualNodes: [
        MakeVirtualNode("server", {
          listeners: [{ portMapping: { port: 443, protocol: "http" }, tls: { mode: "STRICT", certificate: { acm: { certificateArn: "arn:aws:acm:us-east-1:1:certificate/x" } } } }],
          serviceDiscovery: { dns: { hostname: "server.local" } },
        }),
      ],
    });
    const node = { meshName: MESH, kind: "virtualNode" as const, name: "server" };
    expect(validateNodeResources(translateNode(snapshot, node))).toContainEqual(expect.objectContaining({ rule: "cross.secret_exists" }));
    const material = { certificates: { "arn:aws:acm:us-east-1:1:certificate/x": { certificateChain: "PEM", privateKey: "KEY" } } };
    expect(validateNodeResources(translateNode(snapshot, node, { acm: material }))).toEqual([]);
  });
});
