// The console's own rule for route forms: target percentages add up to 100, checked only for in-range weights.
import { describe, expect, it } from "vitest";
import { checkConsoleRules, weightTotalNote } from "../../../../functions/console/ui/forms/console-rules.js";

const route = (weights: unknown[], type = "httpRoute") => ({ routeName: "r", spec: { [type]: { match: { prefix: "/" }, action: { weightedTargets: weights.map((weight, i) => ({ virtualNode: `n${i}`, weight })) } } } });

describe("checkConsoleRules", () => {
  it("asks for targets adding up to 100, at the targets' list", () => {
    expect(checkConsoleRules("UpdateRoute", route([75, 15], "http2Route"))).toEqual({ path: "spec.http2Route.action.weightedTargets", message: "The percentage for all targets must add up to 100; these add up to 90." });
    expect(checkConsoleRules("CreateRoute", route([75, 25]))).toBeNull();
  });

  it("leaves out-of-range or non-integer weights to the API, whose message is App Mesh's", () => {
    expect(checkConsoleRules("UpdateRoute", route([150]))).toBeNull();
    expect(checkConsoleRules("UpdateRoute", route([-1, 10]))).toBeNull();
    expect(checkConsoleRules("UpdateRoute", route(["50", 50]))).toBeNull();
  });

  it("applies to routes only", () => {
    expect(checkConsoleRules("CreateVirtualNode", { virtualNodeName: "n", spec: {} })).toBeNull();
    expect(weightTotalNote([{ weight: 60 }, { weight: 25 }, {}])).toBe("Total weight: 85 of 100.");
  });
});
