// IAM-style policy evaluation: wildcards, explicit deny, default deny, NotAction/NotResource and conditions.
import { describe, expect, it } from "vitest";
import { evaluatePolicies, managedPolicies, matchesWildcard, validatePolicy, type PolicyDocument } from "../../functions/auth/policy.js";

const arn = (path: string) => `arn:aws:appmesh:us-east-1:111122223333:${path}`;
const request = (action: string, resource: string, context: Record<string, string[]> = {}) => ({
  action,
  resource,
  context: new Map(Object.entries(context).map(([key, values]) => [key.toLowerCase(), values])),
});
const allow = (fields: Partial<PolicyDocument["Statement"] & object>): PolicyDocument => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...fields } as never] });

describe("matchesWildcard", () => {
  it("treats * as any run and ? as one character, and nothing else as special", () => {
    expect(matchesWildcard("appmesh:Describe*", "appmesh:DescribeMesh", true)).toBe(true);
    expect(matchesWildcard("appmesh:describe*", "appmesh:DescribeMesh", true)).toBe(true);
    expect(matchesWildcard(arn("mesh/app?"), arn("mesh/app1"), false)).toBe(true);
    expect(matchesWildcard(arn("mesh/app?"), arn("mesh/app12"), false)).toBe(false);
    expect(matchesWildcard("a.b(c)[d]+", "a.b(c)[d]+", false)).toBe(true);
    expect(matchesWildcard("a.b", "axb", false)).toBe(false);
    expect(matchesWildcard(arn("mesh/App1"), arn("mesh/app1"), false)).toBe(false);
  });
});

describe("evaluatePolicies", () => {
  it("denies by default", () => {
    expect(evaluatePolicies([], request("appmesh:ListMeshes", "*"))).toEqual({ effect: "Deny", reason: "implicit" });
  });

  it("allows what a matching Allow statement names", () => {
    expect(evaluatePolicies([managedPolicies.AWSAppMeshFullAccess], request("appmesh:CreateMesh", arn("mesh/m")))).toEqual({ effect: "Allow" });
  });

  it("lets an explicit Deny in any policy win over Allows in others", () => {
    const deny: PolicyDocument = { Statement: { Effect: "Deny", Action: "appmesh:Delete*", Resource: arn("mesh/prod*") } };
    expect(evaluatePolicies([managedPolicies.AWSAppMeshFullAccess, deny], request("appmesh:DeleteMesh", arn("mesh/prod")))).toEqual({ effect: "Deny", reason: "explicit" });
    expect(evaluatePolicies([managedPolicies.AWSAppMeshFullAccess, deny], request("appmesh:DeleteMesh", arn("mesh/dev")))).toEqual({ effect: "Allow" });
  });

  it("gives the read-only managed policy Describe and List only", () => {
    const readOnly = [managedPolicies.AWSAppMeshReadOnly];
    expect(evaluatePolicies(readOnly, request("appmesh:DescribeVirtualNode", arn("mesh/m/virtualNode/n"))).effect).toBe("Allow");
    expect(evaluatePolicies(readOnly, request("appmesh:ListMeshes", "*")).effect).toBe("Allow");
    expect(evaluatePolicies(readOnly, request("appmesh:UpdateMesh", arn("mesh/m"))).effect).toBe("Deny");
    expect(evaluatePolicies(readOnly, request("appmesh:StreamAggregatedResources", arn("mesh/m/virtualNode/n"))).effect).toBe("Deny");
  });

  it("scopes by resource ARN patterns", () => {
    const app1 = allow({ Action: "appmesh:*", Resource: [arn("mesh/app1"), arn("mesh/app1/*")] });
    expect(evaluatePolicies([app1], request("appmesh:UpdateMesh", arn("mesh/app1"))).effect).toBe("Allow");
    expect(evaluatePolicies([app1], request("appmesh:CreateRoute", arn("mesh/app1/virtualRouter/r/route/x"))).effect).toBe("Allow");
    expect(evaluatePolicies([app1], request("appmesh:UpdateMesh", arn("mesh/app2"))).effect).toBe("Deny");
    expect(evaluatePolicies([app1], request("appmesh:UpdateMesh", arn("mesh/app10"))).effect).toBe("Deny");
    expect(evaluatePolicies([app1], request("appmesh:ListMeshes", "*")).effect).toBe("Deny");
  });

  it("honours NotAction and NotResource", () => {
    const allButDelete = allow({ NotAction: "appmesh:Delete*", Resource: "*" });
    expect(evaluatePolicies([allButDelete], request("appmesh:CreateMesh", arn("mesh/m"))).effect).toBe("Allow");
    expect(evaluatePolicies([allButDelete], request("appmesh:DeleteMesh", arn("mesh/m"))).effect).toBe("Deny");
    const notProd = allow({ Action: "appmesh:*", NotResource: arn("mesh/prod*") });
    expect(evaluatePolicies([notProd], request("appmesh:CreateMesh", arn("mesh/dev"))).effect).toBe("Allow");
    expect(evaluatePolicies([notProd], request("appmesh:CreateMesh", arn("mesh/prod-1"))).effect).toBe("Deny");
  });

  it("evaluates aws:RequestTag, aws:ResourceTag and aws:TagKeys conditions", () => {
    const books = allow({ Action: "appmesh:CreateMesh", Resource: "*", Condition: { StringEquals: { "aws:RequestTag/teamName": "booksTeam" } } });
    expect(evaluatePolicies([books], request("appmesh:CreateMesh", arn("mesh/m"), { "aws:RequestTag/teamName": ["booksTeam"] })).effect).toBe("Allow");
    expect(evaluatePolicies([books], request("appmesh:CreateMesh", arn("mesh/m"), { "aws:RequestTag/teamName": ["other"] })).effect).toBe("Deny");
    expect(evaluatePolicies([books], request("appmesh:CreateMesh", arn("mesh/m"))).effect).toBe("Deny");

    const onlyTeamKey = allow({ Action: "appmesh:TagResource", Resource: "*", Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["team", "env"] } } });
    expect(evaluatePolicies([onlyTeamKey], request("appmesh:TagResource", arn("mesh/m"), { "aws:TagKeys": ["team"] })).effect).toBe("Allow");
    expect(evaluatePolicies([onlyTeamKey], request("appmesh:TagResource", arn("mesh/m"), { "aws:TagKeys": ["team", "owner"] })).effect).toBe("Deny");

    const denyUntagged: PolicyDocument = { Statement: [{ Effect: "Deny", Action: "appmesh:*", Resource: "*", Condition: { Null: { "aws:ResourceTag/team": "true" } } }] };
    const full = managedPolicies.AWSAppMeshFullAccess;
    expect(evaluatePolicies([full, denyUntagged], request("appmesh:UpdateMesh", arn("mesh/m"))).effect).toBe("Deny");
    expect(evaluatePolicies([full, denyUntagged], request("appmesh:UpdateMesh", arn("mesh/m"), { "aws:ResourceTag/team": ["x"] })).effect).toBe("Allow");

    const like = allow({ Action: "appmesh:*", Resource: "*", Condition: { StringLike: { "aws:ResourceTag/env": "dev-*" } } });
    expect(evaluatePolicies([like], request("appmesh:UpdateMesh", arn("mesh/m"), { "aws:ResourceTag/env": ["dev-7"] })).effect).toBe("Allow");
    expect(evaluatePolicies([like], request("appmesh:UpdateMesh", arn("mesh/m"), { "aws:ResourceTag/env": ["prod"] })).effect).toBe("Deny");
    const notEquals = allow({ Action: "appmesh:*", Resource: "*", Condition: { StringNotEquals: { "aws:ResourceTag/env": "prod" } } });
    expect(evaluatePolicies([notEquals], request("appmesh:UpdateMesh", arn("mesh/m"), { "aws:ResourceTag/env": ["prod"] })).effect).toBe("Deny");
    expect(evaluatePolicies([notEquals], request("appmesh:UpdateMesh", arn("mesh/m"), { "aws:ResourceTag/env": ["dev"] })).effect).toBe("Allow");
  });

  it("never allows through a condition operator it does not know", () => {
    const unknown = allow({ Action: "appmesh:*", Resource: "*", Condition: { NumericLessThan: { "aws:EpochTime": "1" } } as never });
    expect(evaluatePolicies([unknown], request("appmesh:ListMeshes", "*")).effect).toBe("Deny");
  });
});

describe("validatePolicy", () => {
  it("accepts the managed policies and names what is wrong with broken ones", () => {
    for (const policy of Object.values(managedPolicies)) expect(validatePolicy(policy)).toEqual([]);
    expect(validatePolicy({ Statement: [{ Effect: "Maybe", Action: "a", Resource: "*" }] })).toEqual(["Statement[0].Effect must be Allow or Deny"]);
    expect(validatePolicy({ Statement: [{ Effect: "Allow", Resource: "*" }] })).toEqual(["Statement[0] needs exactly one of Action or NotAction"]);
    expect(validatePolicy({ Statement: [{ Effect: "Allow", Action: "a", Resource: "*", Condition: { Foo: {} } }] })).toEqual(["Statement[0].Condition operator Foo is not supported"]);
    expect(validatePolicy(null)).toEqual(["a policy must be a JSON object"]);
  });
});
