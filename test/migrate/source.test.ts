import { describe, expect, it } from "vitest";
import { MigrateError } from "../../functions/migrate/index.js";
import { Origins, parseSourceFile } from "../../functions/migrate/source.js";

const parse = (text: string, origins = new Origins()) => parseSourceFile("in.yaml", text, origins);

describe("parseSourceFile", () => {
  it("returns the non-empty documents of a stream, numbered from 1 in the file", () => {
    const documents = parse("---\na: 1\n---\n---\nb: [x]\n");
    expect(documents.map((document) => [document.index, document.value])).toEqual([
      [1, { a: 1 }],
      [3, { b: ["x"] }],
    ]);
  });

  it("turns CloudFormation short forms into their long forms", () => {
    const [document] = parse("A: !Ref P\nB: !GetAtt Mesh.MeshName\nC: !Sub ['${X}', {X: !Ref Y}]\nD: !If [C, 1, !Ref AWS::NoValue]\nE: !Condition Other\n");
    expect(document!.value).toEqual({
      A: { Ref: "P" },
      B: { "Fn::GetAtt": ["Mesh", "MeshName"] },
      C: { "Fn::Sub": ["${X}", { X: { Ref: "Y" } }] },
      D: { "Fn::If": ["C", 1, { Ref: "AWS::NoValue" }] },
      E: { Condition: "Other" },
    });
  });

  it("locates a field of any object by file, document, line and path, through short forms too", () => {
    const origins = new Origins();
    const [, second] = parse("x: 1\n---\nResources:\n  Node:\n    Properties:\n      Port: !If\n        - C\n        - 80\n        - 81\n", origins);
    const properties = (second!.value as any).Resources.Node.Properties;
    expect(origins.locate(properties, "Port")).toEqual({ file: "in.yaml", document: 2, line: 6, field: "Resources.Node.Properties.Port" });
    expect(origins.locate(properties.Port, "Fn::If", 2)).toEqual({ file: "in.yaml", document: 2, line: 9, field: "Resources.Node.Properties.Port.Fn::If[2]" });
  });

  it("reads JSON (CDK output) with lines as well", () => {
    const origins = new Origins();
    const [document] = parseSourceFile("stack.template.json", '{\n  "Resources": {\n    "M": { "Type": "AWS::AppMesh::Mesh" }\n  }\n}\n', origins);
    expect(origins.locate((document!.value as any).Resources, "M")?.line).toBe(3);
  });

  it("refuses a tag that is not one of CloudFormation's, naming its line", () => {
    const error = (() => {
      try {
        parse("a: 1\nb: !Foo x\n");
      } catch (caught) {
        return caught;
      }
    })();
    expect(MigrateError.is(error)).toBe(true);
    expect((error as MigrateError).describe()).toMatch(/^in\.yaml, document 1, line 2: unknown tag !Foo/);
  });

  it("refuses broken YAML, naming document and line", () => {
    expect(() => parse("ok: 1\n---\na: [1, 2\nb: 3\n")).toThrowError(expect.objectContaining({ location: expect.objectContaining({ file: "in.yaml", document: 2, line: expect.any(Number) }) }));
    try {
      parse("ok: 1\n---\na: b: c\n");
    } catch (error) {
      expect((error as MigrateError).describe()).toMatch(/^in\.yaml, document 2, line 3: not valid YAML: /);
    }
  });
});
