import { describe, expect, it } from "vitest";
import { cloudFormationNaming } from "../../functions/migrate/cloudformation/naming.js";
import { createModelMapper } from "../../functions/migrate/model-mapping.js";
import { Origins, parseSourceFile } from "../../functions/migrate/source.js";
import { migrateErrorOf } from "../support/migrate-errors.js";

function load(text: string) {
  const origins = new Origins();
  const [document] = parseSourceFile("node.yaml", text, origins);
  const root = document!.value as Record<string, unknown>;
  const mapper = createModelMapper({ naming: cloudFormationNaming, origins });
  return { root, mapper, map: () => mapper.map(root.Spec, "VirtualNodeSpec", { container: root, key: "Spec" }) };
}


describe("createModelMapper", () => {
  it("maps names through the format's table and turns strings into the numbers and booleans the model wants", () => {
    const { map } = load(`Spec:
  Listeners:
    - PortMapping: { Port: "8080", Protocol: http }
      TLS: { Mode: STRICT, Certificate: { SDS: { SecretName: cert } } }
  BackendDefaults:
    ClientPolicy:
      TLS: { Enforce: "true", Ports: ["443"], Validation: { Trust: { ACM: { CertificateAuthorityArns: [arn] } } } }
  ServiceDiscovery:
    DNS: { Hostname: 12 }
`);
    expect(map()).toEqual({
      listeners: [{ portMapping: { port: 8080, protocol: "http" }, tls: { mode: "STRICT", certificate: { sds: { secretName: "cert" } } } }],
      backendDefaults: { clientPolicy: { tls: { enforce: true, ports: [443], validation: { trust: { acm: { certificateAuthorityArns: ["arn"] } } } } } },
      serviceDiscovery: { dns: { hostname: "12" } },
    });
  });

  it("refuses an unknown field, naming its line and listing the structure's fields", () => {
    const { map } = load("Spec:\n  Listeners:\n    - PortMapping: { Port: 80, Protocol: http }\n      Tls: {}\n");
    const error = migrateErrorOf(map);
    expect(error.location).toEqual({ file: "node.yaml", document: 1, line: 4, field: "Spec.Listeners[0].Tls" });
    expect(error.message).toMatch(/^unknown field Tls; Listener has ConnectionPool, HealthCheck, OutlierDetection, PortMapping, Timeout, TLS$/);
  });

  it("refuses a string that is not a number where the model wants one", () => {
    const error = migrateErrorOf(load("Spec:\n  Listeners:\n    - PortMapping:\n        Port: eighty\n        Protocol: http\n").map);
    expect(error.describe()).toBe('node.yaml, document 1, line 4, field Spec.Listeners[0].PortMapping.Port: expects a whole number, got "eighty"');
  });

  it("reports the model's refusal at the line of the field it names, in the format's spelling", () => {
    const { mapper, map } = load("Spec:\n  Listeners:\n    - PortMapping:\n        Port: 70000\n        Protocol: http\n");
    const error = migrateErrorOf(() => mapper.validate(map(), "VirtualNodeSpec"));
    expect(error.location).toEqual({ file: "node.yaml", document: 1, line: 4, field: "Spec.Listeners[0].PortMapping.Port" });
    expect(error.message).toMatch(/^the App Mesh model refuses it: 1 validation error detected: Value 70000 at 'spec.listeners\[0\].portMapping.port' failed to satisfy constraint/);
  });

  it("reports a tagged union with two members set at the line of the union", () => {
    const { mapper, map } = load("Spec:\n  ServiceDiscovery:\n    DNS: { Hostname: a }\n    AWSCloudMap: { NamespaceName: n, ServiceName: s }\n");
    const error = migrateErrorOf(() => mapper.validate(map(), "VirtualNodeSpec"));
    expect(error.location?.line).toBe(2);
    expect(error.location?.field).toBe("Spec.ServiceDiscovery");
    expect(error.message).toMatch(/must have exactly one of \[awsCloudMap, dns\] set; 2 were/);
  });
});
