// Labels from the model's member names, in App Mesh's console wording.
import { describe, expect, it } from "vitest";
import { labelFor, lowerFirst, singular } from "../../../../functions/console/ui/model/labels.js";
import { constraintHint, orderedMembers } from "../../../../functions/console/ui/model/shapes.js";

describe("labels", () => {
  it("names fields as App Mesh's console did", () => {
    expect(labelFor("CreateMeshInput", "meshName")).toBe("Mesh name");
    expect(labelFor("CreateVirtualNodeInput", "virtualNodeName")).toBe("Virtual node name");
    expect(labelFor("WeightedTarget", "weight")).toBe("Weight");
    expect(labelFor("DnsServiceDiscovery", "hostname")).toBe("DNS hostname");
    expect(labelFor("RouteSpec", "http2Route")).toBe("HTTP/2 route");
    expect(labelFor("GrpcRetryPolicy", "grpcRetryEvents")).toBe("gRPC retry events");
    expect(labelFor("HealthCheckPolicy", "intervalMillis")).toBe("Interval (ms)");
    expect(labelFor("ListenerTlsAcmCertificate", "certificateArn")).toBe("Certificate ARN");
  });

  it("words list items and buttons", () => {
    expect(singular("Weighted targets")).toBe("weighted target");
    expect(singular("Query parameters")).toBe("query parameter");
    expect(singular("Certificate authority ARNs")).toBe("certificate authority ARN");
    expect(lowerFirst("TLS")).toBe("TLS");
    expect(lowerFirst("Health check")).toBe("health check");
  });

  it("takes bounds and member order from the model", () => {
    expect(constraintHint("PercentInt")).toBe("0–100");
    expect(constraintHint("ResourceName")).toBe("1–255 characters");
    expect(orderedMembers("VirtualNodeSpec").map(([name]) => name)).toEqual(["serviceDiscovery", "backends", "backendDefaults", "listeners", "logging"]);
    expect(orderedMembers("HealthCheckPolicy").map(([name]) => name).slice(0, 3)).toEqual(["protocol", "path", "port"]);
  });
});
