import { describe, expect, it } from "vitest";
import { MigrateError, toMeshplaneExport } from "../../../functions/migrate/index.js";
import { fullMesh } from "../../support/full-mesh.js";
import { comparable, importText } from "../../support/round-trip.js";

describe("meshplane export format", () => {
  it("reads back exactly what it wrote", () => {
    expect(comparable(importText("full.json", JSON.stringify(toMeshplaneExport(fullMesh))))).toEqual(comparable(fullMesh));
  });

  it("refuses unknown kinds and fields, naming the line", () => {
    const text = '{\n  "meshplane": "export/v1",\n  "resources": [\n    { "kind": "virtualThing", "meshName": "m" }\n  ]\n}\n';
    expect(() => importText("x.json", text)).toThrowError(MigrateError);
    try {
      importText("x.json", text);
    } catch (error) {
      expect((error as MigrateError).describe()).toMatch(/^x\.json, document 1, line 4, field resources\[0\]\.kind: unknown kind virtualThing/);
    }
    expect(() => importText("x.json", '{"meshplane":"export/v9","resources":[]}')).toThrowError(/unknown meshplane format export\/v9/);
  });
});
