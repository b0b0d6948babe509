import { describe, expect, it } from "vitest";
import {
  compareEnvoyVersions,
  ENVOY_FEATURE_NAMES,
  ENVOY_FEATURES,
  envoyBandKey,
  envoyVersionBand,
  formatEnvoyVersion,
  isNewestBand,
  NEWEST_ENVOY_BAND,
  parseEnvoyVersion,
  supports,
} from "../../functions/envoy/index.js";
import { envoyRegistry } from "../../functions/envoy/index.js";

const v = (text: string) => parseEnvoyVersion(text)!;

describe("the version table", () => {
  it("names evidence and a release for every row, and every field it names exists in Envoy's protos", () => {
    for (const name of ENVOY_FEATURE_NAMES) {
      const row = ENVOY_FEATURES[name];
      expect(row.evidence.length, name).toBeGreaterThan(20);
      expect(parseEnvoyVersion(row.since), name).toBeDefined();
      const named = [...("introduces" in row ? [row.introduces] : []), ...row.replaces];
      for (const full of named) {
        const asMessage = envoyRegistry.getMessage(full);
        const parent = envoyRegistry.getMessage(full.slice(0, full.lastIndexOf(".")));
        const parentEnum = envoyRegistry.getEnum(full.slice(0, full.lastIndexOf(".")));
        const leaf = full.slice(full.lastIndexOf(".") + 1);
        const exists = asMessage !== undefined || parent?.fields.some((f) => f.name === leaf) === true || parentEnum?.values.some((value) => value.name === leaf) === true;
        expect(exists, full).toBe(true);
      }
    }
  });

  it("puts every version in the band of the newest threshold at or below it, and versions before 1.15 in the 1.15 band", () => {
    expect(formatEnvoyVersion(envoyVersionBand(v("1.15.7")))).toBe("1.15.0");
    expect(formatEnvoyVersion(envoyVersionBand(v("1.16.1")))).toBe("1.16.0");
    expect(formatEnvoyVersion(envoyVersionBand(v("1.18.2")))).toBe("1.17.0");
    expect(formatEnvoyVersion(envoyVersionBand(v("1.18.3")))).toBe("1.18.3");
    expect(formatEnvoyVersion(envoyVersionBand(v("1.22.4")))).toBe("1.21.0");
    expect(formatEnvoyVersion(envoyVersionBand(v("1.24.7")))).toBe("1.24.0");
    expect(formatEnvoyVersion(envoyVersionBand(v("1.34.13")))).toBe("1.25.0");
    expect(formatEnvoyVersion(envoyVersionBand(v("1.12.0")))).toBe("1.15.0");
    expect(envoyBandKey(undefined)).toBe(formatEnvoyVersion(NEWEST_ENVOY_BAND));
    expect(isNewestBand(v("1.29.0"))).toBe(true);
    expect(isNewestBand(v("1.23.9"))).toBe(false);
  });

  it("says a feature is there from its release on, and for nodes that report no version", () => {
    expect(supports(v("1.19.9"), "headerStringMatch")).toBe(false);
    expect(supports(v("1.20.0"), "headerStringMatch")).toBe(true);
    expect(supports(undefined, "headerAppendAction")).toBe(true);
    expect(compareEnvoyVersions(v("1.18.3"), v("1.18.2"))).toBeGreaterThan(0);
  });
});
