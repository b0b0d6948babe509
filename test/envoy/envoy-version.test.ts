import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { NodeSchema } from "../../proto/gen/envoy/config/core/v3/base_pb.js";
import { envoyVersionOfNode, parseEnvoyVersion } from "../../functions/envoy/index.js";

describe("parseEnvoyVersion / envoyVersionOfNode", () => {
  it("reads major.minor[.patch], with or without a leading v, and refuses anything else", () => {
    expect(parseEnvoyVersion("1.20")).toEqual({ major: 1, minor: 20, patch: 0 });
    expect(parseEnvoyVersion("v1.34.13")).toEqual({ major: 1, minor: 34, patch: 13 });
    expect(parseEnvoyVersion("envoy")).toBeUndefined();
  });

  it("takes the version from user_agent_build_version and ignores nodes that send none or only a free-form string", () => {
    const envoy = create(NodeSchema, { userAgentVersionType: { case: "userAgentBuildVersion", value: { version: { majorNumber: 1, minorNumber: 16, patch: 1 } } } });
    expect(envoyVersionOfNode(envoy)).toEqual({ major: 1, minor: 16, patch: 1 });
    expect(envoyVersionOfNode(create(NodeSchema, { userAgentName: "meshplane-gateway" }))).toBeUndefined();
    expect(envoyVersionOfNode(create(NodeSchema, { userAgentVersionType: { case: "userAgentVersion", value: "1.9.0" } }))).toBeUndefined();
  });
});
