// The Policy resource's model, written once: what `PUT /v1/meshes/{mesh}/policies/{name}` accepts. The validator
// walks it and the policy types are derived from it (`ValueOf`). Member names follow App Mesh's spelling (durations
// as `{ value, unit }`, header matches as HttpRouteHeader, `virtualServiceName`/`virtualNodeName`), so a policy
// reads like the App Mesh specs it sits beside. Rules no shape can say live in ../policy-rules.ts.
import { boolean, integer, json, list, number, string, structure, type ValueOf } from "./shapes.js";

/** HTTP header names (RFC 9110 token), as App Mesh bounds them (HeaderName: 1-50). */
const headerName = string({ min: 1, max: 50, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", patternText: "an HTTP header name (RFC 9110 token characters)" });
const headerValue = string({ max: 8192, pattern: "^[^\\r\\n\\u0000]*$", patternText: "a header value without CR, LF or NUL" });
const shortText = string({ min: 1, max: 255 });

/** A share of requests in percent, with up to four decimals (Envoy's FractionalPercent per million). */
const percentage = number(0, 100, 4);

const duration = structure("Duration", { value: integer(0, 2147483647), unit: string({ enum: ["ms", "s"] }) }, { required: ["value", "unit"] });

const headerMatchMethod = structure(
  "HeaderMatchMethod",
  {
    exact: string({ min: 1, max: 255 }),
    prefix: string({ min: 1, max: 255 }),
    suffix: string({ min: 1, max: 255 }),
    regex: string({ min: 1, max: 255 }),
    range: structure("MatchRange", { start: integer(), end: integer() }, { required: ["start", "end"] }),
  },
  { union: true },
);

/** App Mesh's HttpRouteHeader: a header's value matched, or its presence when `match` is absent. */
const headerMatch = structure("HeaderMatch", { name: headerName, match: headerMatchMethod, invert: boolean }, { required: ["name"] });

const headerEntry = structure("HeaderValue", { name: headerName, value: headerValue }, { required: ["name", "value"] });

/** Where a policy sends traffic of its own: one virtual node, or a virtual service provided by one. */
export const backendRef = structure(
  "BackendRef",
  {
    virtualNode: structure("VirtualNodeBackendRef", { virtualNodeName: shortText, port: integer(1, 65535) }, { required: ["virtualNodeName"] }),
    virtualService: structure("VirtualServiceBackendRef", { virtualServiceName: shortText, port: integer(1, 65535) }, { required: ["virtualServiceName"] }),
  },
  { union: true },
);

const faultInjection = structure("FaultInjection", {
  delay: structure("FaultDelay", { fixed: duration, percentage }, { required: ["fixed", "percentage"] }),
  abort: structure("FaultAbort", { httpStatus: integer(200, 599), grpcStatus: integer(0, 16), percentage }, { required: ["percentage"] }),
  /** Faults apply only to requests matching every header match. */
  headers: list(headerMatch, { max: 10 }),
  maxActiveFaults: integer(1, 2147483647),
});

const mirror = structure("Mirror", { backendRef, percentage }, { required: ["backendRef"] });

const rateLimit = structure(
  "RateLimit",
  {
    /** Tokens added every `interval`; one request takes one token. */
    requests: integer(1, 1_000_000),
    interval: duration,
    /** Bucket size; `requests` when absent. */
    burst: integer(1, 1_000_000),
    response: structure("RateLimitResponse", { statusCode: integer(400, 599), body: string({ max: 4096 }), headers: list(headerEntry, { max: 10 }) }),
  },
  { required: ["requests", "interval"] },
);

const headerChanges = structure("HeaderChanges", {
  /** Replace any value of the header (or add it). */
  set: list(headerEntry, { max: 20 }),
  /** Add one more value, keeping existing ones. */
  add: list(headerEntry, { max: 20 }),
  remove: list(headerName, { max: 20 }),
});

const headers = structure("Headers", { request: headerChanges, response: headerChanges });

const originMatch = structure(
  "OriginMatch",
  { exact: string({ min: 1, max: 255 }), prefix: string({ min: 1, max: 255 }), regex: string({ min: 1, max: 255 }) },
  { union: true },
);

const method = string({ min: 1, max: 20, pattern: "^[A-Z]+$", patternText: "an upper-case HTTP method" });

const cors = structure(
  "Cors",
  {
    allowOrigins: list(originMatch, { min: 1, max: 20 }),
    allowMethods: list(method, { max: 10 }),
    allowHeaders: list(headerName, { max: 30 }),
    exposeHeaders: list(headerName, { max: 30 }),
    allowCredentials: boolean,
    maxAge: duration,
  },
  { required: ["allowOrigins"] },
);

const jwks = structure(
  "Jwks",
  {
    /** A JWKS document (`{"keys":[…]}`) as a JSON string. */
    inline: string({ min: 2, max: 65536 }),
    remote: structure(
      "RemoteJwks",
      { url: string({ min: 8, max: 2048, pattern: "^https?://", patternText: "an http:// or https:// URL" }), backendRef, cacheDuration: duration, timeout: duration },
      { required: ["url", "backendRef"] },
    ),
  },
  { union: true },
);

const tokenSource = structure(
  "TokenSource",
  {
    header: structure("HeaderTokenSource", { name: headerName, prefix: string({ max: 64 }) }, { required: ["name"] }),
    queryParameter: structure("QueryTokenSource", { name: string({ min: 1, max: 64 }) }, { required: ["name"] }),
  },
  { union: true },
);

const providerName = string({ min: 1, max: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", patternText: "letters, digits, '_', '.' and '-', starting with a letter or digit" });

const jwtProvider = structure(
  "JwtProvider",
  {
    name: providerName,
    issuer: string({ min: 1, max: 2048 }),
    audiences: list(string({ min: 1, max: 2048 }), { max: 10 }),
    jwks,
    /** Where the token is read from; `Authorization: Bearer <token>` and the `access_token` query parameter when absent. */
    from: list(tokenSource, { max: 5 }),
    /** Keep the token in the request sent upstream (default false: it is removed). */
    forward: boolean,
    claimToHeaders: list(structure("ClaimToHeader", { claim: string({ min: 1, max: 255 }), header: headerName }, { required: ["claim", "header"] }), { max: 10 }),
  },
  { required: ["name", "jwks"] },
);

const jwt = structure("Jwt", {
  providers: list(jwtProvider, { max: 10 }),
  /** REQUIRED (default): a valid token of any provider; ALLOW_MISSING: a token may be absent but must be valid; DISABLED: no check. */
  requirement: string({ enum: ["REQUIRED", "ALLOW_MISSING", "DISABLED"] }),
});

const externalAuthorization = structure("ExternalAuthorization", {
  backendRef,
  protocol: string({ enum: ["HTTP", "GRPC"] }),
  timeout: duration,
  /** DENY (default): a failed authorization call denies the request with 403; ALLOW lets it through. */
  failureMode: string({ enum: ["DENY", "ALLOW"] }),
  /** HTTP: prepended to the request's path on the call to the authorization server. */
  pathPrefix: string({ max: 255, pattern: "^(/.*)?$", patternText: "empty or a path starting with /" }),
  /** HTTP: request headers sent to the authorization server besides the defaults (Authorization, Host, Method, Path). */
  forwardRequestHeaders: list(headerName, { max: 20 }),
  /** HTTP: headers of an allowing answer copied onto the request sent upstream. */
  forwardUpstreamHeaders: list(headerName, { max: 20 }),
  /** On a gateway route: no authorization call for its requests. */
  disabled: boolean,
});

const hashKey = structure(
  "HashKey",
  {
    header: structure("HeaderHashKey", { name: headerName }, { required: ["name"] }),
    cookie: structure("CookieHashKey", { name: string({ min: 1, max: 64, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", patternText: "a cookie name" }), ttl: duration, path: string({ max: 255 }) }, {
      required: ["name"],
    }),
    sourceIp: structure("SourceIpHashKey", {}),
  },
  { union: true },
);

const loadBalancing = structure(
  "LoadBalancing",
  {
    algorithm: string({ enum: ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"] }),
    /** RING_HASH and MAGLEV: what keeps a client on one instance, tried in order (the first that yields a value). */
    hashKeys: list(hashKey, { max: 5 }),
    ringHash: structure("RingHashOptions", { minimumRingSize: integer(1, 8_388_608), maximumRingSize: integer(1, 8_388_608) }),
    leastRequest: structure("LeastRequestOptions", { choiceCount: integer(2, 100) }),
    locality: structure("LocalityOptions", {
      /** Relative weights of availability zones (registry instances carry their zone in `zoneAttribute`). */
      zoneWeights: list(structure("ZoneWeight", { zone: string({ min: 1, max: 64 }), weight: integer(1, 128) }, { required: ["zone", "weight"] }), { max: 20 }),
      /** Send to instances in the caller's own zone while they are healthy (the caller's Envoy names its zone in node.locality). */
      preferLocalZone: boolean,
      /** Instance attribute holding the zone; AVAILABILITY_ZONE (what ECS registers in Cloud Map) by default. */
      zoneAttribute: string({ min: 1, max: 255 }),
    }),
  },
  { required: ["algorithm"] },
);

export const envoyPatchResources = ["cluster", "listener", "routeConfiguration", "virtualHost", "httpFilter"] as const;

const envoyPatch = structure(
  "EnvoyPatch",
  {
    patches: list(
      structure(
        "EnvoyPatchOperation",
        {
          resource: string({ enum: envoyPatchResources }),
          /** Only the resource (or, for httpFilter, the listener) of this name; every one of its kind when absent. */
          name: string({ min: 1, max: 255 }),
          /** Envoy JSON merged into the resource with protobuf merge semantics; for httpFilter, the HttpFilter added before the router. */
          merge: json(65536),
        },
        { required: ["resource", "merge"] },
      ),
      { min: 1, max: 20 },
    ),
  },
  { required: ["patches"] },
);

/** The policy types: exactly one per policy. */
export const policySpec = structure(
  "PolicySpec",
  { faultInjection, mirror, rateLimit, headers, cors, jwt, externalAuthorization, loadBalancing, envoyPatch },
  { union: true },
);

const tag = structure(
  "TagRef",
  { key: string({ min: 1, max: 128 }), value: string({ max: 256 }) },
  { required: ["key", "value"] },
);

/** The body of PUT /v1/meshes/{mesh}/policies/{name}. */
export const policyInput = structure(
  "PutPolicyInput",
  {
    targetRef: structure("TargetRef", { arn: string({ min: 1, max: 2048 }) }, { required: ["arn"] }),
    spec: policySpec,
    tags: list(tag, { max: 50 }),
    clientToken: string({ min: 1, max: 64 }),
  },
  { required: ["targetRef", "spec"] },
);

/** Policy names: safe in a URL path, an ARN and a file name. */
export const policyName = string({ min: 1, max: 255, pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", patternText: "letters, digits, '.', '_' and '-', starting with a letter or digit" });

export type PolicyInput = ValueOf<typeof policyInput>;
export type PolicySpec = ValueOf<typeof policySpec>;
export type PolicyType = keyof PolicySpec & string;
export type BackendRef = ValueOf<typeof backendRef>;
export type AppMeshDuration = ValueOf<typeof duration>;
export type HeaderMatch = ValueOf<typeof headerMatch>;
export type FaultInjectionSpec = NonNullable<PolicySpec["faultInjection"]>;
export type MirrorSpec = NonNullable<PolicySpec["mirror"]>;
export type RateLimitSpec = NonNullable<PolicySpec["rateLimit"]>;
export type HeadersSpec = NonNullable<PolicySpec["headers"]>;
export type HeaderChangesSpec = NonNullable<HeadersSpec["request"]>;
export type CorsSpec = NonNullable<PolicySpec["cors"]>;
export type JwtSpec = NonNullable<PolicySpec["jwt"]>;
export type JwtProviderSpec = JwtSpec extends { providers?: (infer P)[] } ? P : never;
export type ExternalAuthorizationSpec = NonNullable<PolicySpec["externalAuthorization"]>;
export type LoadBalancingSpec = NonNullable<PolicySpec["loadBalancing"]>;
export type EnvoyPatchSpec = NonNullable<PolicySpec["envoyPatch"]>;
export type EnvoyPatchOperation = EnvoyPatchSpec["patches"][number];

/** Every policy type, in the order documentation lists them. */
export const policyTypes = Object.keys(policySpec.members) as PolicyType[];
