import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { containsPending, loadInputs, type ExistingLookup, type ImportSettings } from "../../../functions/migrate/index.js";
import { migrateErrorOf } from "../../support/migrate-errors.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/aws-app-mesh-examples/cfn/${name}`, import.meta.url), "utf8");

function settings(overrides: Partial<ImportSettings["cloudFormation"]> = {}): ImportSettings {
  return {
    cloudFormation: { parameters: new Map(), importValues: new Map(), attributes: new Map(), region: "us-east-1", ...overrides },
    kubernetes: {},
  };
}

function resolve(text: string, overrides: Partial<ImportSettings["cloudFormation"]> = {}, lookup?: ExistingLookup) {
  return loadInputs([{ name: "t.yaml", text }], settings(overrides)).resolve(lookup);
}


const mesh = "  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties:\n      MeshName: m\n";

describe("resolveCloudFormation", () => {
  it("turns the seven kinds of a walkthrough template into App Mesh resources named with AWS::StackName", () => {
    const { resources } = resolve(fixture("cloudmap-stackname.yaml"), { stackName: "colorapp" });
    expect(resources.map((r) => [r.kind, r.meshName, r.parentName, r.name])).toEqual(
      expect.arrayContaining([
        ["mesh", "colorapp", "", "colorapp"],
        ["virtualNode", "colorapp", "", "colorteller-blue-node"],
        ["virtualNode", "colorapp", "", "colorteller-green-node"],
        ["virtualGateway", "colorapp", "", "colorgateway"],
        ["virtualRouter", "colorapp", "", "colorteller-virtual-router"],
        ["virtualService", "colorapp", "", "colorteller.colorapp.local"],
        ["route", "colorapp", "colorteller-virtual-router", "colorteller-route"],
        ["gatewayRoute", "colorapp", "colorgateway", "gatewayroute"],
      ]),
    );
    expect(resources).toHaveLength(8);
    const blue = resources.find((r) => r.name === "colorteller-blue-node")!;
    expect(blue.spec.serviceDiscovery).toEqual({ awsCloudMap: { serviceName: "colorteller", namespaceName: "colorapp.local", attributes: [{ key: "ECS_TASK_DEFINITION_FAMILY", value: "blue" }] } });
    expect(blue.dependsOn).toEqual(["mesh/colorapp//colorapp"]);
    expect(blue.source).toMatchObject({ file: "t.yaml", document: 1, line: 9, field: "Resources.ColorTellerBlueNode" });
  });

  it("takes Conditions, Fn::If with AWS::NoValue and parameter defaults into account", () => {
    const given = { MeshName: "tls", ServicesDomain: "svc.local", EnableClientValidationFlag: "false" };
    const withPath = resolve(fixture("tls-file-conditions.yaml"), { parameters: new Map(Object.entries({ ...given, ColorGatewayTlsValidationPath: "/ca.pem" })) }).resources;
    const gateway = (list: typeof withPath) => list.find((r) => r.kind === "virtualGateway")!.spec;
    expect(gateway(withPath).backendDefaults).toEqual({ clientPolicy: { tls: { enforce: false, validation: { trust: { file: { certificateChain: "/ca.pem" } } } } } });
    const withoutPath = resolve(fixture("tls-file-conditions.yaml"), { parameters: new Map(Object.entries(given)) }).resources;
    expect(gateway(withoutPath).backendDefaults).toEqual({ clientPolicy: {} });
    const route = withPath.find((r) => r.kind === "route")!;
    expect((route.spec as any).httpRoute.action.weightedTargets).toEqual([
      { virtualNode: "ColorTellerWhite", weight: 1 },
      { virtualNode: "ColorTellerGreen", weight: 0 },
    ]);
  });

  it("skips resources of other types with one notice each, and needs no values for their parameters", () => {
    const { resources, notices } = resolve(fixture("http-headers-ecs.yaml"), { parameters: new Map([["ProjectName", "headers"]]) });
    expect(resources).toHaveLength(18);
    const skipped = notices.filter((notice) => notice.message.startsWith("skipped "));
    expect(skipped).toHaveLength(29);
    expect(skipped.map((notice) => notice.message)).toContain("skipped PublicLoadBalancer (AWS::ElasticLoadBalancingV2::LoadBalancer): not an App Mesh resource");
  });

  it("names resources without a name property after their logical ID, prefixed by the stack name when there is one", () => {
    const text = `Resources:\n${mesh}  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: m\n      Spec: {}\n`;
    expect(resolve(text).resources.map((r) => r.name)).toEqual(["m", "Node"]);
    expect(resolve(text, { stackName: "prod" }).resources.map((r) => r.name)).toEqual(["m", "prod-Node"]);
  });

  it("lists every parameter that needs a value in one error", () => {
    const error = migrateErrorOf(() => resolve(fixture("tls-file-conditions.yaml")));
    expect(error.message).toBe(
      "parameters without a value: MeshName, ServicesDomain, EnableClientValidationFlag; pass --parameter MeshName=VALUE --parameter ServicesDomain=VALUE --parameter EnableClientValidationFlag=VALUE",
    );
    expect(error.location).toEqual({ file: "t.yaml", document: 1, line: 7, field: "Parameters.MeshName" });
  });

  it("checks parameter values against AllowedValues", () => {
    const parameters = new Map(Object.entries({ MeshName: "m", ServicesDomain: "d", EnableClientValidationFlag: "maybe" }));
    expect(migrateErrorOf(() => resolve(fixture("tls-file-conditions.yaml"), { parameters })).message).toBe('parameter EnableClientValidationFlag: "maybe" is not one of its AllowedValues (true, false)');
  });

  it("needs --stack-name for AWS::StackName", () => {
    const error = migrateErrorOf(() => resolve(fixture("cloudmap-stackname.yaml")));
    expect(error.describe()).toMatch(/^t\.yaml, document 1, line 7, field Resources\.Mesh\.Properties\.MeshName\.Ref: AWS::StackName has no value: pass --stack-name NAME/);
  });

  it("refuses a reference cycle, naming the resources in it", () => {
    const text = `Resources:
  A:
    Type: AWS::AppMesh::Mesh
    Properties: { MeshName: !GetAtt B.MeshName }
  B:
    Type: AWS::AppMesh::Mesh
    DependsOn: A
    Properties: { MeshName: b }
`;
    const error = migrateErrorOf(() => resolve(text));
    expect(error.message).toBe("circular dependency between resources: A → B → A (through Ref, Fn::GetAtt, Fn::Sub or DependsOn)");
    expect(error.location?.line).toBe(2);
  });

  it("refuses unknown App Mesh types, unknown properties and unknown intrinsic functions, even in branches not taken", () => {
    expect(migrateErrorOf(() => resolve(`Resources:\n  X:\n    Type: AWS::AppMesh::VirtualThing\n`)).describe()).toMatch(/line 3, field Resources\.X\.Type: unknown resource type AWS::AppMesh::VirtualThing/);
    expect(migrateErrorOf(() => resolve(`Resources:\n  X:\n    Type: AWS::AppMesh::Mesh\n    Properties: { MeshName: m, Name: n }\n`)).message).toBe(
      "AWS::AppMesh::Mesh has no property Name; it has MeshName, Spec, Tags",
    );
    const branch = `Conditions:\n  No: !Equals [a, b]\nResources:\n  X:\n    Type: AWS::AppMesh::Mesh\n    Properties:\n      MeshName: !If [No, { "Fn::Lower": x }, m]\n`;
    expect(migrateErrorOf(() => resolve(branch)).message).toMatch(/^unknown intrinsic function Fn::Lower/);
  });

  it("takes Fn::ImportValue from --import-value and refuses it without", () => {
    const text = `Resources:\n  X:\n    Type: AWS::AppMesh::Mesh\n    Properties:\n      MeshName: !ImportValue shared:mesh\n`;
    expect(migrateErrorOf(() => resolve(text)).message).toBe("Fn::ImportValue shared:mesh: no such export is known here; pass --import-value shared:mesh=VALUE");
    expect(resolve(text, { importValues: new Map([["shared:mesh", "apps"]]) }).resources[0]!.name).toBe("apps");
  });

  it("takes values of resources it does not create from --attribute", () => {
    const text = `Resources:\n${mesh}  Ns:\n    Type: AWS::ServiceDiscovery::PrivateDnsNamespace\n    Properties: { Name: apps.local }\n  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: m\n      Spec:\n        ServiceDiscovery: { AWSCloudMap: { NamespaceName: !GetAtt Ns.Name, ServiceName: a } }\n`;
    expect(migrateErrorOf(() => resolve(text)).message).toBe(
      "Fn::GetAtt Ns.Name refers to AWS::ServiceDiscovery::PrivateDnsNamespace Ns, which meshplane does not create: give its value with --attribute Ns.Name=VALUE",
    );
    const node = resolve(text, { attributes: new Map([["Ns.Name", "apps.local"]]) }).resources[1]!;
    expect((node.spec as any).serviceDiscovery.awsCloudMap.namespaceName).toBe("apps.local");
  });

  it("answers Fn::GetAtt Uid from resources that exist, and leaves it pending for resources still to be created", () => {
    const text = `Resources:\n${mesh}  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: !GetAtt Mesh.MeshName\n      VirtualNodeName: n\n      Spec:\n        ServiceDiscovery: { DNS: { Hostname: !Sub "\${Mesh.Uid}.local" } }\n`;
    const before = resolve(text).resources[1]!;
    expect(containsPending(before.spec)).toBe(true);
    const lookup: ExistingLookup = (identity) => (identity.kind === "mesh" ? { arn: "arn:m", uid: "u-1", meshOwner: "1", resourceOwner: "1" } : undefined);
    expect((resolve(text, {}, lookup).resources[1]!.spec as any).serviceDiscovery.dns.hostname).toBe("u-1.local");
  });

  it("skips App Mesh resources whose condition is false, with a notice", () => {
    const text = `Conditions:\n  Off: !Equals [a, b]\nResources:\n${mesh}  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Condition: Off\n    Properties: { MeshName: m, Spec: {} }\n`;
    const { resources, notices } = resolve(text);
    expect(resources.map((r) => r.kind)).toEqual(["mesh"]);
    expect(notices.map((n) => n.message)).toEqual(["skipped Node (AWS::AppMesh::VirtualNode): its condition Off is false"]);
  });
});
