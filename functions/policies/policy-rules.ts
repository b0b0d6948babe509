// The rules of each policy type that the model cannot state: combinations of members, regexes in RE2 syntax (checked
// by core-wasm, as App Mesh's are), JWKS documents, and Envoy JSON (checked against Envoy's descriptors by the
// injected checker). Every refusal is a BadRequestException naming the member.
import { AppMeshError, type RegexChecker } from "../appmesh/index.js";
import type { TargetKind } from "./attachment.js";
import type {
  CorsSpec,
  EnvoyPatchOperation,
  ExternalAuthorizationSpec,
  FaultInjectionSpec,
  HeaderMatch,
  HeadersSpec,
  JwtSpec,
  LoadBalancingSpec,
  PolicySpec,
  PolicyType,
  RateLimitSpec,
  AppMeshDuration,
} from "./model/policy-model.js";

/** Checks one envoyPatch operation against Envoy's descriptors; the problem in words, or undefined when Envoy would take it. */
export type EnvoyPatchChecker = (operation: EnvoyPatchOperation) => string | undefined;

export interface PolicyRuleContext {
  checkRegex: RegexChecker;
  /** Without one, envoyPatch policies are refused (nothing could check them). */
  checkEnvoyPatch?: EnvoyPatchChecker;
  targetKind: TargetKind;
}

const refuse = (message: string) => new AppMeshError("BadRequestException", message);

const durationMs = (duration: AppMeshDuration): number => (duration.unit === "ms" ? duration.value : duration.value * 1000);

function checkRegex(pattern: string, path: string, context: PolicyRuleContext): void {
  const result = context.checkRegex(pattern);
  if (!result.ok) throw refuse(`Invalid regular expression at '${path}': ${result.message}`);
}

function checkHeaderMatches(matches: readonly HeaderMatch[] | undefined, path: string, context: PolicyRuleContext): void {
  matches?.forEach((match, index) => {
    const at = `${path}[${index}].match`;
    if (match.match?.regex !== undefined) checkRegex(match.match.regex, `${at}.regex`, context);
    if (match.match?.range && match.match.range.start >= match.match.range.end) throw refuse(`'${at}.range' must have start less than end (the range is [start, end)).`);
  });
}

function checkFaultInjection(spec: FaultInjectionSpec, path: string, context: PolicyRuleContext): void {
  if (!spec.delay && !spec.abort) throw refuse(`'${path}' needs a delay, an abort or both.`);
  if (spec.abort && (spec.abort.httpStatus === undefined) === (spec.abort.grpcStatus === undefined)) {
    throw refuse(`'${path}.abort' needs exactly one of httpStatus or grpcStatus.`);
  }
  checkHeaderMatches(spec.headers, `${path}.headers`, context);
}

function checkRateLimit(spec: RateLimitSpec, path: string): void {
  // Envoy's token bucket refills at most every 50 ms (LocalRateLimit token_bucket.fill_interval).
  if (durationMs(spec.interval) < 50) throw refuse(`'${path}.interval' must be at least 50 ms.`);
  if (spec.burst !== undefined && spec.burst < spec.requests) throw refuse(`'${path}.burst' (${spec.burst}) must be at least requests (${spec.requests}): a smaller bucket could never hold one interval's tokens.`);
}

/** Headers a proxy owns: changing them would break the request itself. */
const protectedRequestHeaders = new Set(["host", "content-length", "transfer-encoding", "connection", "te", "upgrade"]);

function checkHeaders(spec: HeadersSpec, path: string): void {
  const sides = [
    ["request", spec.request],
    ["response", spec.response],
  ] as const;
  if (sides.every(([, changes]) => !changes || ((changes.set?.length ?? 0) + (changes.add?.length ?? 0) + (changes.remove?.length ?? 0) === 0))) {
    throw refuse(`'${path}' must change at least one request or response header.`);
  }
  for (const [side, changes] of sides) {
    if (!changes) continue;
    const named = new Map<string, string>();
    for (const kind of ["set", "add", "remove"] as const) {
      (changes[kind] ?? []).forEach((entry, index) => {
        const name = (typeof entry === "string" ? entry : entry.name).toLowerCase();
        const at = `${path}.${side}.${kind}[${index}]`;
        if (side === "request" && protectedRequestHeaders.has(name)) throw refuse(`'${at}' names ${name}, which the proxy sets itself; it cannot be changed by a policy.`);
        if (side === "response" && (name === "content-length" || name === "transfer-encoding" || name === "connection")) {
          throw refuse(`'${at}' names ${name}, which the proxy sets itself; it cannot be changed by a policy.`);
        }
        const earlier = named.get(name);
        if (earlier !== undefined && (earlier === "remove") !== (kind === "remove")) throw refuse(`'${at}' removes and also sets or adds ${name}; pick one.`);
        named.set(name, kind);
      });
    }
  }
}

function checkCors(spec: CorsSpec, path: string, context: PolicyRuleContext): void {
  spec.allowOrigins.forEach((origin, index) => {
    if (origin.regex !== undefined) checkRegex(origin.regex, `${path}.allowOrigins[${index}].regex`, context);
  });
  if (spec.allowCredentials && spec.allowOrigins.some((origin) => origin.exact === "*")) {
    throw refuse(`'${path}.allowOrigins' allows "*" with allowCredentials: browsers refuse credentialed responses to any origin; list the origins.`);
  }
}

/** A JWKS document as RFC 7517 §5 has it: `{"keys": [ {"kty": …, …}, … ]}`. */
function checkInlineJwks(text: string, path: string): void {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw refuse(`'${path}' is not JSON: it must be a JWKS document ({"keys":[…]}) as a string.`);
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw refuse(`'${path}' must be a JWKS document with at least one key in "keys".`);
  keys.forEach((key, index) => {
    if (typeof key !== "object" || key === null || typeof (key as { kty?: unknown }).kty !== "string") throw refuse(`'${path}' key ${index} has no "kty".`);
    if ((key as { d?: unknown }).d !== undefined) throw refuse(`'${path}' key ${index} is a private key ("d" is set): publish only public keys.`);
  });
}

function checkJwt(spec: JwtSpec, path: string): void {
  const providers = spec.providers ?? [];
  if (spec.requirement === "DISABLED") {
    if (providers.length > 0) throw refuse(`'${path}.providers' has no effect when the requirement is DISABLED; leave it out.`);
    return;
  }
  if (providers.length === 0) throw refuse(`'${path}.providers' must list at least one provider (or set requirement DISABLED).`);
  const names = new Set<string>();
  providers.forEach((provider, index) => {
    const at = `${path}.providers[${index}]`;
    if (names.has(provider.name)) throw refuse(`'${at}.name' repeats provider ${provider.name}; provider names must be unique.`);
    names.add(provider.name);
    if (provider.jwks.inline !== undefined) checkInlineJwks(provider.jwks.inline, `${at}.jwks.inline`);
    const remote = provider.jwks.remote;
    if (remote?.timeout && durationMs(remote.timeout) <= 0) throw refuse(`'${at}.jwks.remote.timeout' must be greater than 0.`);
  });
}

function checkExternalAuthorization(spec: ExternalAuthorizationSpec, path: string, context: PolicyRuleContext): void {
  if (spec.disabled) {
    const others = Object.keys(spec).filter((member) => member !== "disabled");
    if (others.length > 0) throw refuse(`'${path}' with disabled: true takes no other members (got ${others.join(", ")}).`);
    return;
  }
  if (context.targetKind === "gatewayRoute") {
    throw refuse(`'${path}' on a gateway route can only be { "disabled": true }: the authorization service is set per listener (on the virtual gateway or the mesh).`);
  }
  if (!spec.backendRef) throw refuse(`'${path}.backendRef' is required: it names the authorization service.`);
  if (!spec.protocol) throw refuse(`'${path}.protocol' is required: HTTP or GRPC.`);
  if (spec.protocol === "GRPC") {
    for (const member of ["pathPrefix", "forwardRequestHeaders", "forwardUpstreamHeaders"] as const) {
      if (spec[member] !== undefined) throw refuse(`'${path}.${member}' applies only to protocol HTTP (a gRPC authorization server receives the whole request in its CheckRequest).`);
    }
  }
  if (spec.timeout && durationMs(spec.timeout) <= 0) throw refuse(`'${path}.timeout' must be greater than 0.`);
}

const hashAlgorithms = new Set(["RING_HASH", "MAGLEV"]);

function checkLoadBalancing(spec: LoadBalancingSpec, path: string): void {
  const hashing = hashAlgorithms.has(spec.algorithm);
  if (hashing && (spec.hashKeys ?? []).length === 0) throw refuse(`'${path}.hashKeys' is required for ${spec.algorithm}: it says what keeps a client on one instance.`);
  if (!hashing && spec.hashKeys !== undefined) throw refuse(`'${path}.hashKeys' applies only to RING_HASH and MAGLEV.`);
  if (spec.ringHash && spec.algorithm !== "RING_HASH") throw refuse(`'${path}.ringHash' applies only to RING_HASH.`);
  if (spec.leastRequest && spec.algorithm !== "LEAST_REQUEST") throw refuse(`'${path}.leastRequest' applies only to LEAST_REQUEST.`);
  const { minimumRingSize, maximumRingSize } = spec.ringHash ?? {};
  if (minimumRingSize !== undefined && maximumRingSize !== undefined && minimumRingSize > maximumRingSize) {
    throw refuse(`'${path}.ringHash.minimumRingSize' must not exceed maximumRingSize.`);
  }
  const zones = new Set<string>();
  spec.locality?.zoneWeights?.forEach((weight, index) => {
    if (zones.has(weight.zone)) throw refuse(`'${path}.locality.zoneWeights[${index}].zone' repeats zone ${weight.zone}.`);
    zones.add(weight.zone);
  });
}

function checkEnvoyPatch(operations: readonly EnvoyPatchOperation[], path: string, context: PolicyRuleContext): void {
  if (!context.checkEnvoyPatch) throw refuse(`'${path}' cannot be checked by this deployment; envoyPatch is not available here.`);
  operations.forEach((operation, index) => {
    const problem = context.checkEnvoyPatch!(operation);
    if (problem !== undefined) throw refuse(`'${path}.patches[${index}].merge' is not valid Envoy configuration: ${problem}`);
  });
}

/** The checks of each type, typed by the model's full set of types: a new type does not compile without its entry. */
const rules: { readonly [Type in PolicyType]: (spec: NonNullable<PolicySpec[Type]>, path: string, context: PolicyRuleContext) => void } = {
  faultInjection: checkFaultInjection,
  mirror: () => {},
  rateLimit: (spec, path) => checkRateLimit(spec, path),
  headers: (spec, path) => checkHeaders(spec, path),
  cors: checkCors,
  jwt: (spec, path) => checkJwt(spec, path),
  externalAuthorization: checkExternalAuthorization,
  loadBalancing: (spec, path) => checkLoadBalancing(spec, path),
  envoyPatch: (spec, path, context) => checkEnvoyPatch(spec.patches, path, context),
};

/** Runs the prose rules of the spec's type; the spec passed model validation. */
export function checkPolicySpec<Type extends PolicyType>(type: Type, spec: NonNullable<PolicySpec[Type]>, context: PolicyRuleContext): void {
  rules[type](spec, `spec.${type}`, context);
}
