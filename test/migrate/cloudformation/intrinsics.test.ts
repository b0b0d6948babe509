import { describe, expect, it } from "vitest";
import { MigrateError } from "../../../functions/migrate/index.js";
import { evaluate, noValue, Pending, type IntrinsicContext } from "../../../functions/migrate/cloudformation/intrinsics.js";
import { Origins, parseSourceFile } from "../../../functions/migrate/source.js";

/** Evaluates the value of key `V` of a one-document YAML, with a few parameters, resources and conditions. */
function run(yaml: string, overrides: Partial<IntrinsicContext> = {}) {
  const origins = new Origins();
  const [document] = parseSourceFile("t.yaml", yaml, origins);
  const root = document!.value as Record<string, unknown>;
  const parameters: Record<string, unknown> = { Name: "colors", Port: "8080", Subnets: ["a", "b"], Empty: "" };
  const context: IntrinsicContext = {
    origins,
    ref: (name) => {
      if (name === "AWS::StackName") return "stack";
      if (name in parameters) return parameters[name];
      throw new MigrateError(`no ${name}`);
    },
    isResource: (name) => name === "Mesh" || name === "Node",
    resourceRef: (id) => `arn:${id}`,
    getAtt: (id, attribute) => (attribute === "Uid" ? new Pending(`${id}.Uid`) : `${id}-${attribute}`),
    condition: (name) => name === "Yes",
    findInMap: (map, top, second) => {
      if (map === "Ports" && top === "http" && second === "port") return 80;
      throw new MigrateError("not in map");
    },
    importValue: (name) => `imported-${name}`,
    ...overrides,
  };
  return evaluate(root.V, context, { container: root, key: "V" });
}

describe("evaluate", () => {
  it("substitutes parameters, pseudo parameters, resource attributes and local variables in Fn::Sub", () => {
    expect(run("V: !Sub '${AWS::StackName}-${Name}.${Mesh.MeshName}:${Port}/${!Literal}'")).toBe("stack-colors.Mesh-MeshName:8080/${Literal}");
    expect(run("V: !Sub ['${A}-${Name}', { A: !Ref Port }]")).toBe("8080-colors");
  });

  it("joins, splits and selects", () => {
    expect(run("V: !Join ['-', [a, !Ref Name, 3]]")).toBe("a-colors-3");
    expect(run("V: !Select [1, !Split [',', 'x,y,z']]")).toBe("y");
    expect(run("V: !Select [1, !Ref Subnets]")).toBe("b");
  });

  it("picks Fn::If branches by condition and drops AWS::NoValue from objects and lists", () => {
    expect(run("V: { A: !If [Yes, 1, 2], B: !If [No, 1, !Ref AWS::NoValue], C: [x, !If [No, y, !Ref AWS::NoValue]] }")).toEqual({ A: 1, C: ["x"] });
    expect(run("V: !If [No, 1, !Ref AWS::NoValue]")).toBe(noValue);
  });

  it("evaluates condition functions", () => {
    expect(run("V: !And [!Equals [!Ref Port, 8080], !Not [!Equals [!Ref Empty, '']], {Condition: Yes}]")).toBe(false);
    expect(run("V: !Or [!Equals [a, b], !Condition Yes]")).toBe(true);
  });

  it("reads mappings, imports and Base64", () => {
    expect(run("V: !FindInMap [Ports, http, port]")).toBe(80);
    expect(run("V: !FindInMap [Ports, grpc, port, { DefaultValue: 50051 }]")).toBe(50051);
    expect(run("V: !ImportValue shared-vpc")).toBe("imported-shared-vpc");
    expect(run("V: !Base64 'héllo'")).toBe(Buffer.from("héllo").toString("base64"));
  });

  it("keeps values known only after apply pending through string functions", () => {
    const value = run("V: !Sub 'node-${Node.Uid}'");
    expect(value).toBeInstanceOf(Pending);
    expect((value as Pending).description).toBe('Node.Uid in "node-${Node.Uid}"');
    expect(run("V: !Join ['', [a, !GetAtt Node.Uid]]")).toBeInstanceOf(Pending);
  });

  it("refuses unknown intrinsic functions and ones that need CloudFormation, naming the line", () => {
    expect(() => run("x: 1\nV:\n  Fn::Frobnicate: [a]\n")).toThrowError(/unknown intrinsic function Fn::Frobnicate/);
    try {
      run("x: 1\nV:\n  Fn::Frobnicate: [a]\n");
    } catch (error) {
      expect((error as MigrateError).location).toEqual({ file: "t.yaml", document: 1, line: 3, field: "V.Fn::Frobnicate" });
    }
    expect(() => run("V: !GetAZs ''")).toThrowError(/Fn::GetAZs is not supported by meshplane import/);
  });

  it("refuses a Select index outside the list", () => {
    expect(() => run("V: !Select [5, [a, b]]")).toThrowError(/index 5 is outside the list of 2/);
  });
});
