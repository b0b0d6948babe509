// Finding the field an App Mesh error names.
import { describe, expect, it } from "vitest";
import { fieldId, formatPath, pathAndAncestors, pathInMessage } from "../../../../functions/console/ui/forms/field-path.js";

describe("field paths", () => {
  it("spells paths as the API's validation messages do", () => {
    expect(formatPath(["spec", "listeners", 0, "portMapping", "port"])).toBe("spec.listeners[0].portMapping.port");
    expect(formatPath(["virtualNodeName"])).toBe("virtualNodeName");
  });

  it("reads the path out of App Mesh's messages, model and prose rules alike", () => {
    expect(pathInMessage("1 validation error detected: Value 150 at 'spec.httpRoute.action.weightedTargets[0].weight' failed to satisfy constraint: Member must have value less than or equal to 100")).toBe(
      "spec.httpRoute.action.weightedTargets[0].weight",
    );
    expect(pathInMessage("'spec.listeners[1].portMapping.port' 8080 is used by another listener.")).toBe("spec.listeners[1].portMapping.port");
    expect(pathInMessage("Mesh apps not found.")).toBeUndefined();
  });

  it("walks from a path to its ancestors, so an error finds the nearest field drawn", () => {
    expect(pathAndAncestors("spec.backends[0].virtualService")).toEqual(["spec.backends[0].virtualService", "spec.backends[0]", "spec.backends", "spec"]);
    expect(fieldId("spec.backends[0].virtualService")).toBe("field-spec-backends-0-virtualService");
  });
});
