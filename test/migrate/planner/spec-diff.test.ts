import { describe, expect, it } from "vitest";
import { diffSpecs, specsEqual } from "../../../functions/migrate/index.js";

describe("diffSpecs", () => {
  it("lists added, removed and changed fields with their paths, list items by index", () => {
    const before = { listeners: [{ port: 80 }, { port: 81 }], logging: { path: "/a" }, backends: ["x"] };
    const after = { listeners: [{ port: 8080 }], backends: ["x", "y"], serviceDiscovery: { dns: { hostname: "h" } } };
    expect(diffSpecs(before, after)).toEqual([
      { path: "spec.backends[1]", after: "y" },
      { path: "spec.listeners[0].port", before: 80, after: 8080 },
      { path: "spec.listeners[1]", before: { port: 81 } },
      { path: "spec.logging", before: { path: "/a" } },
      { path: "spec.serviceDiscovery", after: { dns: { hostname: "h" } } },
    ]);
  });

  it("treats null and absent members alike, and ignores key order", () => {
    expect(specsEqual({ a: 1, b: null, c: { d: undefined, e: [1] } }, { c: { e: [1] }, a: 1 })).toBe(true);
    expect(diffSpecs({ a: { b: 1, c: 2 } }, { a: { c: 2, b: 1 } })).toEqual([]);
    expect(specsEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
