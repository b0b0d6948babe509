// Model-driven validation: untrusted input in, a value of the model's type (or an App Mesh error naming the path) out.
import { describe, expect, it } from "vitest";
import { validateOperationInput, validateShape } from "../../functions/appmesh/validation.js";

describe("validateOperationInput", () => {
  it("keeps the modeled members of the operation's input, URI and body members alike, and drops the rest", () => {
    const input = validateOperationInput("CreateVirtualRouter", {
      meshName: "m",
      virtualRouterName: "r",
      spec: { listeners: [{ portMapping: { port: 8080, protocol: "http", extra: 1 } }], unknown: true },
      stray: "x",
    });
    expect(input).toEqual({ meshName: "m", virtualRouterName: "r", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } });
    expect(input.spec.listeners?.[0]?.portMapping.protocol).toBe("http");
  });

  it("refuses a missing required member with BadRequestException naming it", () => {
    expect(() => validateOperationInput("CreateRoute", { meshName: "m", virtualRouterName: "r", spec: {} })).toThrow(
      expect.objectContaining({ name: "BadRequestException", message: expect.stringContaining("at 'routeName'") }),
    );
  });
});

describe("validateShape", () => {
  it("refuses a value outside an enum with the model's allowed values", () => {
    expect(() => validateShape("EgressFilter", { type: "SOMETIMES" }, "spec.egressFilter")).toThrow(
      expect.objectContaining({ message: expect.stringContaining("at 'spec.egressFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [ALLOW_ALL, DROP_ALL]") }),
    );
  });

  it("throws a plain error for a shape name the model does not define", () => {
    expect(() => validateShape("NoSuchShape", {}, "")).toThrow("unknown model shape NoSuchShape");
  });
});
