import { describe, expect, it } from "vitest";
import { appMeshShapes, kindDescriptors, resourceKinds } from "../../../functions/appmesh/index.js";
import { cloudFormationPropertyNames } from "../../../functions/migrate/index.js";

const shapes = appMeshShapes as unknown as Record<string, { type: string; members?: Record<string, { shape: string }>; member?: { shape: string } }>;

/** Every structure a spec of the seven kinds can contain, from the App Mesh model. */
function reachableStructures(): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const shape = shapes[name]!;
    for (const member of Object.values(shape.members ?? {})) visit(member.shape);
    if (shape.member) visit(shape.member.shape);
  };
  for (const kind of resourceKinds) visit(kindDescriptors[kind].specShape);
  return new Set([...seen].filter((name) => shapes[name]!.type === "structure"));
}

describe("cloudFormationPropertyNames", () => {
  it("has an entry for every structure the seven specs reach, and no other", () => {
    expect(Object.keys(cloudFormationPropertyNames).sort()).toEqual([...reachableStructures()].sort());
  });

  it("names every member of each structure, and only the model's members", () => {
    for (const [shape, names] of Object.entries(cloudFormationPropertyNames)) {
      expect(Object.keys(names).sort(), shape).toEqual(Object.keys(shapes[shape]!.members ?? {}).sort());
    }
  });

  it("spells every property as CloudFormation does (PascalCase), distinct within its structure", () => {
    for (const [shape, names] of Object.entries(cloudFormationPropertyNames)) {
      const properties = Object.values(names);
      expect(new Set(properties).size, shape).toBe(properties.length);
      for (const property of properties) expect(property, shape).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    }
  });

  it("keeps the schemas' acronyms where they differ from a capitalised member name", () => {
    expect(cloudFormationPropertyNames.Listener!.tls).toBe("TLS");
    expect(cloudFormationPropertyNames.ServiceDiscovery).toEqual({ awsCloudMap: "AWSCloudMap", dns: "DNS" });
    expect(cloudFormationPropertyNames.VirtualNodeConnectionPool).toEqual({ grpc: "GRPC", http: "HTTP", http2: "HTTP2", tcp: "TCP" });
    expect(cloudFormationPropertyNames.TlsValidationContextTrust).toEqual({ acm: "ACM", file: "File", sds: "SDS" });
    expect(cloudFormationPropertyNames.LoggingFormat).toEqual({ json: "Json", text: "Text" });
    expect(cloudFormationPropertyNames.RouteSpec!.http2Route).toBe("Http2Route");
    expect(cloudFormationPropertyNames.ListenerTlsAcmCertificate).toEqual({ certificateArn: "CertificateArn" });
  });
});
