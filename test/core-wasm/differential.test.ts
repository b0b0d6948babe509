// Differential property test: random route tables (up to thousands of routes, every kind of matcher) and random
// requests must give the same virtual host, route and target in the WASM core and in the reference implementation.
// fast-check generates the tables; each table is then probed with many requests from a seeded generator, half of
// them aimed at a random route of the table so that matches (and near misses) are common.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadCore, RouteTable, type HeaderMatcherSpec, type RouteRequest, type RouteSpec, type RouteTableSpec, type StringMatcherSpec } from "../../core-wasm/node.js";
import { ReferenceRouteTable } from "../../core-wasm/reference.js";
import { pickOne, re2Factory, seededRandom } from "./helpers.js";

loadCore();

const SEGMENTS = ["api", "v1", "v2", "users", "Users", "x", "a", "é", "API"];
const PATH_REGEXES = ["^/v1/.*", "/a(pi|x)/?", "\\A/users\\z", "/api/[a-z0-9]+", "/(v1|v2)/.*", "/users/[^/]*", ".*", "/[a-zA-Z]+", "(?i)/api.*", "/é+", "/x?", "/[^/]+/[^/]+/?"];
const VALUE_REGEXES = ["[0-9]+", "a.*", "(?i)prod", "-?[0-9]{1,3}", "application/grpc.*", "[a-c]*", ".*,.*"];
const DOMAINS = ["svc.local", "svc.local:8080", "*.local", "*.svc.local", "api.*", "*", "Other.Local", "[::1]", "[::1]:80", "a.b.local", "*-x.local", "api.svc*"];
const AUTHORITIES = ["svc.local", "svc.local:8080", "SVC.local:9090", "x.svc.local", "api.svc", "api.", "other.local", "[::1]:80", "[::1]", "a.b.local", "nothing.here", "local", "x.local:1", "b-x.local", "api.svcs"];
const HEADER_NAMES = ["x-a", "x-b", "X-C", ":method", ":scheme", ":authority", ":path", "content-type"];
const HEADER_VALUES = ["", "1", "-5", "150", "abc", "ABC", "a,b", "application/grpc", "application/grpc+proto", "application/grpcx", "prod", "Prod", "9223372036854775807", " 12 ", "GET", "https"];
const LITERALS = ["", "a", "1", "abc", "AB", "b", "prod", "application/grpc", "5", "/api", "GET", "http"];
const QUERY_NAMES = ["q", "v", "debug"];
const QUERY_PARTS = ["q=1", "v=abc", "debug", "q=", "v=2", "", "q=ABC", "v=prod", "x=1"];
const RANGE_BOUNDS = [-10n, 0n, 1n, 12n, 100n, 150n, 9223372036854775806n, -9223372036854775808n];

const pathArbitrary = fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 3 })
  .chain((segments) => fc.constantFrom("/" + segments.join("/"), "/" + segments.join("/") + "/", segments.join("/")));

const stringMatcherArbitrary: fc.Arbitrary<StringMatcherSpec> = fc.oneof(
  fc.record({ exact: fc.constantFrom(...LITERALS), ignoreCase: fc.boolean() }),
  fc.record({ prefix: fc.constantFrom(...LITERALS), ignoreCase: fc.boolean() }),
  fc.record({ suffix: fc.constantFrom(...LITERALS), ignoreCase: fc.boolean() }),
  fc.record({ contains: fc.constantFrom(...LITERALS), ignoreCase: fc.boolean() }),
  fc.record({ safeRegex: fc.record({ regex: fc.constantFrom(...VALUE_REGEXES) }) }),
);

const headerArbitrary: fc.Arbitrary<HeaderMatcherSpec> = fc.tuple(
  fc.constantFrom(...HEADER_NAMES),
  fc.boolean(),
  fc.oneof(
    fc.constantFrom(...LITERALS).map((value) => ({ exactMatch: value })),
    fc.constantFrom(...LITERALS).map((value) => ({ prefixMatch: value })),
    fc.constantFrom(...LITERALS).map((value) => ({ suffixMatch: value })),
    fc.constantFrom(...LITERALS).map((value) => ({ containsMatch: value })),
    fc.constantFrom(...VALUE_REGEXES).map((regex) => ({ safeRegexMatch: { regex } })),
    stringMatcherArbitrary.map((stringMatch) => ({ stringMatch })),
    fc.tuple(fc.constantFrom(...RANGE_BOUNDS), fc.constantFrom(...RANGE_BOUNDS)).map(([start, end]) => ({ rangeMatch: { start: String(start), end: end } })),
    fc.boolean().map((presentMatch) => ({ presentMatch })),
    fc.constant({}),
  ),
).map(([name, invertMatch, specifier]) => ({ name, invertMatch, ...specifier }));

const routeArbitrary: fc.Arbitrary<RouteSpec> = fc.record({
  path: fc.oneof(
    { weight: 4, arbitrary: pathArbitrary.map((prefix) => ({ prefix })) },
    { weight: 3, arbitrary: pathArbitrary.map((path) => ({ path })) },
    { weight: 1, arbitrary: fc.constantFrom(...PATH_REGEXES).map((regex) => ({ safeRegex: { regex } })) },
  ),
  caseSensitive: fc.option(fc.boolean(), { nil: undefined }),
  headers: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(headerArbitrary, { minLength: 1, maxLength: 2 }) }),
  queryParameters: fc.oneof(
    { weight: 4, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.record({ name: fc.constantFrom(...QUERY_NAMES), stringMatch: fc.option(stringMatcherArbitrary, { nil: undefined }) }), { maxLength: 2 }) },
  ),
  grpc: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  action: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("a", "b", "c").map((cluster) => ({ cluster })) },
    { weight: 2, arbitrary: fc.array(fc.record({ name: fc.constantFrom("w1", "w2", "w3"), weight: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 4 }).map((clusters) => ({ weightedClusters: { clusters } })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ),
}).map(({ path, caseSensitive, headers, queryParameters, grpc, action }, ) => {
  const route: RouteSpec = {
    match: { ...path, ...(caseSensitive === undefined ? {} : { caseSensitive }), headers, queryParameters, ...(grpc ? { grpc: {} } : {}) },
  };
  return action === undefined ? route : { ...route, route: action };
});

function tableArbitrary(maxRoutes: number, minRoutes = 0, maxHosts = 3): fc.Arbitrary<RouteTableSpec> {
  return fc.array(
    fc.record({
      domains: fc.uniqueArray(fc.constantFrom(...DOMAINS), { minLength: 1, maxLength: 3 }),
      routes: fc.array(routeArbitrary, { minLength: minRoutes, maxLength: maxRoutes }),
    }),
    { minLength: 1, maxLength: maxHosts },
  ).map((virtualHosts) => ({ virtualHosts }));
}

/** A request: at random, or aimed at `spec`'s route so that its matchers are likely to hold (or just fail). */
function makeRequest(random: () => number, spec: RouteTableSpec): RouteRequest {
  const hostIndex = Math.floor(random() * spec.virtualHosts.length);
  const host = spec.virtualHosts[hostIndex]!;
  const aimed = host.routes.length > 0 && random() < 0.6 ? pickOne(random, host.routes) : undefined;
  let path = "/" + Array.from({ length: Math.floor(random() * 4) }, () => pickOne(random, SEGMENTS)).join("/");
  const headers: Record<string, string | string[]> = {};
  if (aimed !== undefined) {
    const literal = aimed.match.prefix ?? aimed.match.path;
    if (literal !== undefined) path = literal + (random() < 0.5 ? "" : pickOne(random, ["", "/", "/x", "a", "/é"]));
    if (random() < 0.3 && literal !== undefined) path = random() < 0.5 ? path.toUpperCase() : path.toLowerCase();
    for (const header of aimed.match.headers ?? []) {
      if (random() < 0.15) continue;
      const value = header.exactMatch ?? header.prefixMatch ?? header.suffixMatch ?? header.containsMatch ??
        header.stringMatch?.exact ?? header.stringMatch?.prefix ?? header.stringMatch?.suffix ?? header.stringMatch?.contains ??
        (header.rangeMatch ? String(BigInt(header.rangeMatch.start) + BigInt(Math.floor(random() * 3) - 1)) : pickOne(random, HEADER_VALUES));
      headers[header.name.toLowerCase()] = value;
    }
    if (aimed.match.grpc && random() < 0.7) headers["content-type"] = pickOne(random, ["application/grpc", "application/grpc+proto", "application/grpcx"]);
  }
  for (const name of HEADER_NAMES) {
    if (name.startsWith(":") || random() > 0.25) continue;
    headers[name.toLowerCase()] = random() < 0.2 ? [pickOne(random, HEADER_VALUES), pickOne(random, HEADER_VALUES)] : pickOne(random, HEADER_VALUES);
  }
  if (random() < 0.5) {
    const parts = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pickOne(random, QUERY_PARTS));
    for (const query of aimed?.match.queryParameters ?? []) {
      const literal = query.stringMatch?.exact ?? query.stringMatch?.prefix ?? query.stringMatch?.suffix ?? "";
      parts.push(`${query.name}=${literal}`);
    }
    path += "?" + parts.join("&");
  }
  const domain = pickOne(random, host.domains);
  const authority = random() < 0.6 ? domain.replace(/^\*/, "z").replace(/\*$/, "z") : pickOne(random, AUTHORITIES);
  return {
    method: pickOne(random, ["GET", "POST"]),
    authority,
    path,
    ...(random() < 0.7 ? { scheme: pickOne(random, ["http", "https"]) } : {}),
    headers,
  };
}

function compare(spec: RouteTableSpec, seed: number, requestCount: number): { matched: number } {
  const table = RouteTable.compile(spec);
  const reference = new ReferenceRouteTable(spec, re2Factory);
  const random = seededRandom(seed);
  let matched = 0;
  try {
    for (let i = 0; i < requestCount; i++) {
      const request = makeRequest(random, spec);
      const selector = random() < 0.5 ? random() : Math.floor(random() * 1e9);
      const wasm = table.match(request, selector);
      const expected = reference.match(request, selector);
      const actual = wasm && { virtualHost: wasm.virtualHost, route: wasm.route, target: wasm.target, cluster: wasm.cluster };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        expect(actual, `request ${JSON.stringify(request)}, explain ${JSON.stringify(table.explain(request, selector))}`).toEqual(expected);
      }
      if (expected !== null) matched++;
      // The trie-indexed match and the in-order explain scan must agree as well.
      if (i % 16 === 0) expect(table.explain(request, selector).match).toEqual(wasm);
    }
  } finally {
    table.dispose();
  }
  return { matched };
}

describe("WASM core and reference implementation agree", () => {
  it("on 100,000 requests over 200 random tables of up to 120 routes", () => {
    let requests = 0;
    let matched = 0;
    fc.assert(
      fc.property(tableArbitrary(40), fc.integer(), (spec, seed) => {
        matched += compare(spec, seed, 500).matched;
        requests += 500;
      }),
      { numRuns: 200, seed: 0xd1ff },
    );
    expect(requests).toBe(100_000);
    // Both sides answering null everywhere would agree vacuously.
    expect(matched / requests).toBeGreaterThan(0.2);
  });

  it("on 12,000 requests over 6 tables of 1,000 to 3,000 routes", () => {
    let matched = 0;
    fc.assert(
      fc.property(tableArbitrary(3000, 1000, 1), fc.integer(), (spec, seed) => {
        matched += compare(spec, seed, 2000).matched;
      }),
      { numRuns: 6, seed: 0xb16 },
    );
    expect(matched).toBeGreaterThan(2000);
  });
});
