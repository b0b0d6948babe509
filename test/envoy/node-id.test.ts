import { describe, expect, it } from "vitest";
import { formatNodeId, parseNodeId } from "../../functions/envoy/index.js";

describe("parseNodeId", () => {
  it("parses the bare virtual node form", () => {
    expect(parseNodeId("mesh/app/virtualNode/serviceB")).toEqual({ meshName: "app", kind: "virtualNode", name: "serviceB" });
  });

  it("parses the bare virtual gateway form", () => {
    expect(parseNodeId("mesh/app/virtualGateway/gw_prod")).toEqual({ meshName: "app", kind: "virtualGateway", name: "gw_prod" });
  });

  it("parses a full ARN and keeps its account and region", () => {
    expect(parseNodeId("arn:aws:appmesh:eu-west-1:123456789012:mesh/app/virtualNode/serviceA")).toEqual({
      meshName: "app",
      kind: "virtualNode",
      name: "serviceA",
      account: "123456789012",
      region: "eu-west-1",
    });
  });

  it("rejects other resource types", () => {
    expect(parseNodeId("mesh/app/virtualService/serviceA")).toHaveProperty("error");
  });

  it("rejects ids with too few or too many parts", () => {
    expect(parseNodeId("mesh/app/virtualNode")).toHaveProperty("error");
    expect(parseNodeId("mesh/app/virtualNode/a/b")).toHaveProperty("error");
    expect(parseNodeId("serviceA")).toHaveProperty("error");
  });

  it("rejects ARNs of other services and empty names", () => {
    expect(parseNodeId("arn:aws:ecs:us-east-1:1:mesh/app/virtualNode/a")).toHaveProperty("error");
    expect(parseNodeId("mesh//virtualNode/a")).toHaveProperty("error");
  });

  it("formats back to the bare form", () => {
    expect(formatNodeId({ meshName: "app", kind: "virtualGateway", name: "gw" })).toBe("mesh/app/virtualGateway/gw");
  });
});
