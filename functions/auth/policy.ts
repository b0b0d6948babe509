// IAM-style identity policies and their evaluation: explicit Deny wins, then any Allow, else the default deny
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, identity policies only).

/**
 * One policy document, as IAM writes it.
 * @example
 * { "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "appmesh:Describe*", "Resource": "*" }] }
 */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  /** `{ "<operator>": { "<key>": value | value[] } }`, e.g. `{ "StringEquals": { "aws:RequestTag/team": "books" } }`. */
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** What a request asks for: one action on one resource, with the condition keys known for it. */
export interface AuthorizationRequest {
  /** e.g. `appmesh:CreateMesh` */
  action: string;
  /** A resource ARN, or `*` for actions without resource-level permissions (ListMeshes). */
  resource: string;
  /** Condition keys (lower-cased names) and their values; multi-valued keys (aws:TagKeys) have several. */
  context: Map<string, string[]>;
}

export type Decision = { effect: "Allow" } | { effect: "Deny"; reason: "explicit" | "implicit" };

/** Built-in policies equivalent to App Mesh's managed ones. */
export const managedPolicies = {
  AWSAppMeshFullAccess: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "appmesh:*", Resource: "*" }] },
  AWSAppMeshReadOnly: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["appmesh:Describe*", "appmesh:List*"], Resource: "*" }],
  },
  AWSAppMeshEnvoyAccess: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "appmesh:StreamAggregatedResources", Resource: "*" }] },
  // The AWS managed policies of the stand-ins (Cloud Map, ACM, ACM Private CA), reduced to their actions on those services.
  AWSCloudMapFullAccess: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "servicediscovery:*", Resource: "*" }] },
  AWSCloudMapReadOnlyAccess: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["servicediscovery:Get*", "servicediscovery:List*", "servicediscovery:Discover*"], Resource: "*" }],
  },
  AWSCloudMapDiscoverInstanceAccess: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["servicediscovery:DiscoverInstances", "servicediscovery:DiscoverInstancesRevision"], Resource: "*" }],
  },
  AWSCloudMapRegisterInstanceAccess: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["servicediscovery:DeregisterInstance", "servicediscovery:Get*", "servicediscovery:List*", "servicediscovery:RegisterInstance", "servicediscovery:UpdateInstanceCustomHealthStatus"],
        Resource: "*",
      },
    ],
  },
  AWSCertificateManagerFullAccess: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "acm:*", Resource: "*" }] },
  AWSCertificateManagerReadOnly: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["acm:Describe*", "acm:Get*", "acm:List*"], Resource: "*" }] },
  AWSCertificateManagerPrivateCAFullAccess: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "acm-pca:*", Resource: "*" }] },
  AWSCertificateManagerPrivateCAReadOnly: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["acm-pca:Describe*", "acm-pca:Get*", "acm-pca:List*"], Resource: "*" }] },
} as const satisfies Record<string, PolicyDocument>;

export type ManagedPolicyName = keyof typeof managedPolicies;

const toList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const patternCache = new Map<string, RegExp>();

/** IAM wildcard match: `*` any run of characters, `?` one character; actions compare case-insensitively. */
export function matchesWildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const cacheKey = `${ignoreCase ? "i" : "s"}${pattern}`;
  let regex = patternCache.get(cacheKey);
  if (!regex) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
    regex = new RegExp(`^${source}$`, ignoreCase ? "i" : "");
    if (patternCache.size > 10_000) patternCache.clear();
    patternCache.set(cacheKey, regex);
  }
  return regex.test(value);
}

/** Checks a policy's shape; returns a list of problems (empty when valid). */
export function validatePolicy(document: unknown): string[] {
  const problems: string[] = [];
  if (typeof document !== "object" || document === null) return ["a policy must be a JSON object"];
  const statements = toList((document as PolicyDocument).Statement);
  if (statements.length === 0) problems.push("a policy needs at least one Statement");
  statements.forEach((statement, index) => {
    if (typeof statement !== "object" || statement === null) return problems.push(`Statement[${index}] must be an object`);
    if (statement.Effect !== "Allow" && statement.Effect !== "Deny") problems.push(`Statement[${index}].Effect must be Allow or Deny`);
    if ((statement.Action === undefined) === (statement.NotAction === undefined)) problems.push(`Statement[${index}] needs exactly one of Action or NotAction`);
    if ((statement.Resource === undefined) === (statement.NotResource === undefined)) problems.push(`Statement[${index}] needs exactly one of Resource or NotResource`);
    for (const field of ["Action", "NotAction", "Resource", "NotResource"] as const) {
      const value = statement[field];
      if (value !== undefined && !toList(value).every((item) => typeof item === "string")) problems.push(`Statement[${index}].${field} must be a string or a list of strings`);
    }
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      if (!isKnownOperator(operator)) problems.push(`Statement[${index}].Condition operator ${operator} is not supported`);
      if (typeof keys !== "object" || keys === null) problems.push(`Statement[${index}].Condition.${operator} must be an object`);
    }
    return undefined;
  });
  return problems;
}

const baseOperators = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null", "Bool"] as const;

function splitOperator(operator: string): { set: "" | "ForAllValues" | "ForAnyValue"; base: string; ifExists: boolean } {
  let rest = operator;
  let set: "" | "ForAllValues" | "ForAnyValue" = "";
  for (const prefix of ["ForAllValues", "ForAnyValue"] as const) {
    if (rest.startsWith(`${prefix}:`)) {
      set = prefix;
      rest = rest.slice(prefix.length + 1);
    }
  }
  const ifExists = rest.endsWith("IfExists") && rest !== "Null";
  return { set, base: ifExists ? rest.slice(0, -"IfExists".length) : rest, ifExists };
}

function isKnownOperator(operator: string): boolean {
  return (baseOperators as readonly string[]).includes(splitOperator(operator).base);
}

/** One value against one policy value, for a base operator (negations handled by the caller). */
function matchValue(base: string, policyValue: string, value: string): boolean {
  switch (base) {
    case "StringEquals":
    case "StringNotEquals":
    case "ArnEquals":
    case "ArnNotEquals":
    case "Bool":
      return policyValue === value;
    case "StringEqualsIgnoreCase":
    case "StringNotEqualsIgnoreCase":
      return policyValue.toLowerCase() === value.toLowerCase();
    case "StringLike":
    case "StringNotLike":
    case "ArnLike":
    case "ArnNotLike":
      return matchesWildcard(policyValue, value, false);
    default:
      return false;
  }
}

const isNegated = (base: string) => base.includes("Not");

/** One condition key under one operator (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html). */
function evaluateConditionKey(operator: string, key: string, policyValues: string[], context: Map<string, string[]>): boolean {
  const { set, base, ifExists } = splitOperator(operator);
  const values = context.get(key.toLowerCase());
  if (base === "Null") {
    const wantsAbsent = policyValues.some((value) => value === "true");
    return wantsAbsent === (values === undefined || values.length === 0);
  }
  if (values === undefined || values.length === 0) {
    if (ifExists) return true;
    // ForAllValues over an empty set is vacuously true; every other operator needs the key (negated ones match).
    if (set === "ForAllValues") return true;
    return set === "" && isNegated(base);
  }
  const anyPolicyValueMatches = (value: string) => policyValues.some((policyValue) => matchValue(base, policyValue, value));
  if (set === "ForAllValues") return values.every((value) => (isNegated(base) ? !anyPolicyValueMatches(value) : anyPolicyValueMatches(value)));
  if (set === "ForAnyValue") return values.some((value) => (isNegated(base) ? !anyPolicyValueMatches(value) : anyPolicyValueMatches(value)));
  const matched = values.some(anyPolicyValueMatches);
  return isNegated(base) ? !matched : matched;
}

function conditionsHold(statement: PolicyStatement, context: Map<string, string[]>): boolean {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    if (!isKnownOperator(operator)) return false;
    for (const [key, raw] of Object.entries(keys)) {
      const policyValues = toList(raw as string | string[] | boolean).map(String);
      if (!evaluateConditionKey(operator, key, policyValues, context)) return false;
    }
  }
  return true;
}

function statementApplies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  const actionMatches = (patterns: string[]) => patterns.some((pattern) => matchesWildcard(pattern, request.action, true));
  const resourceMatches = (patterns: string[]) => patterns.some((pattern) => pattern === "*" || matchesWildcard(pattern, request.resource, false));
  if (statement.Action !== undefined ? !actionMatches(toList(statement.Action)) : actionMatches(toList(statement.NotAction))) return false;
  if (statement.Resource !== undefined ? !resourceMatches(toList(statement.Resource)) : resourceMatches(toList(statement.NotResource))) return false;
  return conditionsHold(statement, request.context);
}

/** Explicit Deny in any policy wins; otherwise any Allow allows; otherwise the request is implicitly denied. */
export function evaluatePolicies(policies: readonly PolicyDocument[], request: AuthorizationRequest): Decision {
  let allowed = false;
  for (const policy of policies) {
    for (const statement of toList(policy.Statement)) {
      if (!statementApplies(statement, request)) continue;
      if (statement.Effect === "Deny") return { effect: "Deny", reason: "explicit" };
      if (statement.Effect === "Allow") allowed = true;
    }
  }
  return allowed ? { effect: "Allow" } : { effect: "Deny", reason: "implicit" };
}

/** True when any statement reads a resource's tags, so the caller knows to load them. */
export function readsResourceTags(policies: readonly PolicyDocument[]): boolean {
  return policies.some((policy) =>
    toList(policy.Statement).some((statement) => Object.values(statement.Condition ?? {}).some((keys) => Object.keys(keys).some((key) => /^(aws|appmesh):ResourceTag\//i.test(key)))),
  );
}
