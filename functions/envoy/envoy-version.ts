// The Envoy release a node runs, as its bootstrap reports it in `node.user_agent_build_version`
// (App Mesh images report e.g. `{major_number: 1, minor_number: 20}` plus a `build.label: appmesh.1` metadata key).
import type { Node } from "../../proto/gen/envoy/config/core/v3/base_pb.js";

export interface EnvoyVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/**
 * `"1.20"` or `"1.18.3"` → a version; undefined for anything else.
 * @example parseEnvoyVersion("1.34.13") // → { major: 1, minor: 34, patch: 13 }
 */
export function parseEnvoyVersion(text: string): EnvoyVersion | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

export function formatEnvoyVersion(version: EnvoyVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

/** Negative when a is older than b, 0 when equal, positive when newer. */
export function compareEnvoyVersions(a: EnvoyVersion, b: EnvoyVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * The version an Envoy reports, or undefined when the node is not an Envoy that says which build it is (proxyless
 * gRPC clients send a free-form `user_agent_version`, meshplane's gateway sends none): such nodes get the newest form.
 */
export function envoyVersionOfNode(node: Pick<Node, "userAgentVersionType"> | undefined): EnvoyVersion | undefined {
  const build = node?.userAgentVersionType.case === "userAgentBuildVersion" ? node.userAgentVersionType.value.version : undefined;
  if (!build || (build.majorNumber === 0 && build.minorNumber === 0)) return undefined;
  return { major: build.majorNumber, minor: build.minorNumber, patch: build.patch };
}
