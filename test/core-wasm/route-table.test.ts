// Unit tests for the routing rules of core-wasm, one block per rule of issue 3. Every table is also run through
// the reference implementation, so each rule pins down both.
import { describe, expect, it } from "vitest";
import { loadCore, loadFreshCore, RouteTable, RouteTableError, type RouteRequest, type RouteTableSpec, type RouteSpec } from "../../core-wasm/node.js";
import { ReferenceRouteTable } from "../../core-wasm/reference.js";
import { re2Factory } from "./helpers.js";

loadCore();

function request(path: string, headers: RouteRequest["headers"] = {}, authority = "svc.local", method = "GET"): RouteRequest {
  return { method, authority, path, headers };
}

/** Compiles `spec` in WASM and in the reference; returns a matcher giving "vhost/route" (or null) from both. */
function both(spec: RouteTableSpec): (req: RouteRequest) => string | null {
  const table = RouteTable.compile(spec);
  const reference = new ReferenceRouteTable(spec, re2Factory);
  return (req) => {
    const wasm = table.match(req, 0);
    const expected = reference.match(req, 0);
    const wasmKey = wasm && `${wasm.virtualHostName}/${wasm.routeName}`;
    const referenceKey = expected && `${table.spec.virtualHosts[expected.virtualHost]!.name}/${table.spec.routes.find((r) => r.virtualHost === expected.virtualHost && r.route === expected.route)!.name}`;
    expect(wasmKey, "WASM and reference disagree").toBe(referenceKey);
    expect(table.explain(req, 0).match, "explain disagrees with match").toEqual(wasm);
    return wasmKey;
  };
}

function routes(...list: RouteSpec[]): RouteTableSpec {
  return { virtualHosts: [{ name: "vh", domains: ["*"], routes: list }] };
}

const to = (name: string, match: RouteSpec["match"]): RouteSpec => ({ name, match, route: { cluster: name } });

describe("virtual host selection", () => {
  const spec: RouteTableSpec = {
    virtualHosts: [
      { name: "default", domains: ["*"], routes: [to("r", { prefix: "" })] },
      { name: "prefix-short", domains: ["api.*"], routes: [to("r", { prefix: "" })] },
      { name: "prefix-long", domains: ["api.example.*"], routes: [to("r", { prefix: "" })] },
      { name: "suffix-short", domains: ["*.com"], routes: [to("r", { prefix: "" })] },
      { name: "suffix-long", domains: ["*.example.com"], routes: [to("r", { prefix: "" })] },
      { name: "exact", domains: ["api.example.com", "Ported.Example.com:8080"], routes: [to("r", { prefix: "" })] },
    ],
  };
  const match = both(spec);
  const host = (authority: string): string | null => match(request("/", {}, authority))?.split("/")[0] ?? null;

  it("prefers an exact domain, case-insensitively", () => {
    expect(host("api.example.com")).toBe("exact");
    expect(host("API.Example.COM")).toBe("exact");
  });
  it("then the longest suffix wildcard", () => {
    expect(host("www.example.com")).toBe("suffix-long");
    expect(host("www.other.com")).toBe("suffix-short");
  });
  it("then the longest prefix wildcard", () => {
    expect(host("api.example.org")).toBe("prefix-long");
    expect(host("api.other.org")).toBe("prefix-short");
  });
  it("then *", () => {
    expect(host("elsewhere.net")).toBe("default");
  });
  it("a wildcard matches at least one character", () => {
    expect(host("example.com")).toBe("suffix-short");
    expect(host("api.")).toBe("default");
  });
  it("strips the port when the domain has none, keeps it when the domain has one", () => {
    expect(host("api.example.com:443")).toBe("exact");
    expect(host("ported.example.com:8080")).toBe("exact");
    expect(host("ported.example.com:9090")).toBe("suffix-long");
    expect(host("ported.example.com")).toBe("suffix-long");
  });
  it("finds exact domains among hundreds of virtual hosts, first declared first", () => {
    const hosts = Array.from({ length: 300 }, (_, i) => ({
      name: `vh${i}`,
      domains: [`svc${i}.local`, `svc${i}.local:${8000 + (i % 7)}`, ...(i % 50 === 0 ? ["dup.local"] : [])],
      routes: [to(`r${i}`, { prefix: "/" })],
    }));
    const match = both({ virtualHosts: [...hosts, { name: "default", domains: ["*"], routes: [to("r", { prefix: "/" })] }] });
    expect(match(request("/", {}, "SVC123.local"))).toBe("vh123/r123");
    expect(match(request("/", {}, "svc123.local:9999"))).toBe("vh123/r123");
    expect(match(request("/", {}, `svc123.local:${8000 + (123 % 7)}`))).toBe("vh123/r123");
    expect(match(request("/", {}, "dup.local"))).toBe("vh0/r0");
    expect(match(request("/", {}, "svc300.local"))).toBe("default/r");
  });
  it("returns null when no domain matches and there is no *", () => {
    const only = both({ virtualHosts: [{ name: "one", domains: ["a.local"], routes: [to("r", { prefix: "/" })] }] });
    expect(only(request("/", {}, "b.local"))).toBeNull();
    expect(only(request("/", {}, "a.local"))).toBe("one/r");
  });
  it("refuses a wildcard in the middle of a domain", () => {
    expect(() => RouteTable.compile({ virtualHosts: [{ domains: ["a.*.com"], routes: [] }] })).toThrow(RouteTableError);
  });
});

describe("path matching", () => {
  it("first match wins, in declaration order", () => {
    const match = both(routes(to("broad", { prefix: "/" }), to("narrow", { prefix: "/api" })));
    expect(match(request("/api/x"))).toBe("vh/broad");
  });
  it("prefix sees the query; exact path and regex do not", () => {
    const match = both(routes(
      to("exact", { path: "/a" }),
      to("regex", { safeRegex: { regex: "/b/[0-9]+" } }),
      to("prefix-with-query", { prefix: "/c?x=1" }),
    ));
    expect(match(request("/a?q=1"))).toBe("vh/exact");
    expect(match(request("/a/"))).toBeNull();
    expect(match(request("/b/42?q=x"))).toBe("vh/regex");
    expect(match(request("/b/42x"))).toBeNull();
    expect(match(request("/c?x=1&y=2"))).toBe("vh/prefix-with-query");
    expect(match(request("/a#frag"))).toBe("vh/exact");
  });
  it("regex is a full match, not a search", () => {
    const match = both(routes(to("regex", { safeRegex: { regex: "/v[0-9]" } })));
    expect(match(request("/v1"))).toBe("vh/regex");
    expect(match(request("/v12"))).toBeNull();
    expect(match(request("/x/v1"))).toBeNull();
  });
  it("caseSensitive: false folds ASCII for prefix and path, not for regex", () => {
    const match = both(routes(
      to("prefix", { prefix: "/Api", caseSensitive: false }),
      to("exact", { path: "/EXACT", caseSensitive: false }),
      to("regex", { safeRegex: { regex: "/rx" }, caseSensitive: false }),
    ));
    expect(match(request("/aPI/x"))).toBe("vh/prefix");
    expect(match(request("/exact"))).toBe("vh/exact");
    expect(match(request("/RX"))).toBeNull();
    expect(match(request("/rx"))).toBe("vh/regex");
  });
  it("case-sensitive by default", () => {
    const match = both(routes(to("prefix", { prefix: "/Api" })));
    expect(match(request("/api"))).toBeNull();
  });
  it("an empty prefix matches everything", () => {
    expect(both(routes(to("all", { prefix: "" })))(request("/anything?x"))).toBe("vh/all");
  });
  it("indexes many literal routes without changing first-match order", () => {
    const list: RouteSpec[] = [];
    for (let i = 0; i < 500; i++) list.push(to(`p${i}`, { prefix: `/svc${i}/` }));
    list.splice(250, 0, to("late-exact", { path: "/svc3/exact" }));
    list.unshift(to("early-exact", { path: "/svc400/exact" }));
    list.push(to("short", { prefix: "/svc" }));
    const match = both(routes(...list));
    expect(match(request("/svc3/exact"))).toBe("vh/p3");
    expect(match(request("/svc400/exact?x=1"))).toBe("vh/early-exact");
    expect(match(request("/svc400/exact/more"))).toBe("vh/p400");
    expect(match(request("/svc499/x"))).toBe("vh/p499");
    expect(match(request("/svc49/x"))).toBe("vh/p49");
    expect(match(request("/svc49"))).toBe("vh/short");
    expect(match(request("/nope"))).toBeNull();
  });
});

describe("the path index", () => {
  it("examines a bounded number of candidate routes however large the table", () => {
    const core = loadCore();
    const examined = (size: number): number[] => {
      const list: RouteSpec[] = [];
      for (let i = 0; i < size; i++) {
        if (i % 3 === 0) list.push(to(`p${i}`, { prefix: `/svc${i}/` }));
        else if (i % 3 === 1) list.push(to(`e${i}`, { path: `/svc${i}/items`, headers: [{ name: "x-v", exactMatch: "1" }] }));
        else list.push(to(`r${i}`, { safeRegex: { regex: `/users${i}/[0-9]+` } }));
      }
      list.push(to("fallback", { prefix: "/" }));
      const table = RouteTable.compile(routes(...list));
      const last = size - 1 - ((size - 1) % 3);
      const probes = [`/svc${last}/x`, `/svc${last + 1}/items`, `/users${last + 2}/42`, "/nowhere"];
      const counts = probes.map((path) => {
        const before = core.routeCandidatesExamined;
        expect(table.match(request(path, { "x-v": "1" }))).not.toBeNull();
        return core.routeCandidatesExamined - before;
      });
      table.dispose();
      return counts;
    };
    // The same handful of candidates at 30 and at 30,000 routes: prefix hits, exact hits, regex hits and misses
    // each look at their own route and the catch-all prefix at most.
    expect(examined(30_000)).toEqual(examined(30));
    expect(Math.max(...examined(30_000))).toBeLessThanOrEqual(2);
  });
});

describe("header matchers", () => {
  const match = both(routes(
    to("exact", { prefix: "/exact", headers: [{ name: "X-Env", exactMatch: "prod" }] }),
    to("string", { prefix: "/string", headers: [{ name: "x-env", stringMatch: { prefix: "PR", ignoreCase: true } }] }),
    to("suffix", { prefix: "/suffix", headers: [{ name: "x-env", suffixMatch: "od" }] }),
    to("contains", { prefix: "/contains", headers: [{ name: "x-env", containsMatch: "ro" }] }),
    to("regex", { prefix: "/regex", headers: [{ name: "x-env", safeRegexMatch: { regex: "p(ro|re)d" } }] }),
    to("range", { prefix: "/range", headers: [{ name: "x-n", rangeMatch: { start: "100", end: "150" } }] }),
    to("present", { prefix: "/present", headers: [{ name: "x-env" }] }),
    to("absent", { prefix: "/absent", headers: [{ name: "x-env", presentMatch: false }] }),
    to("inverted-present", { prefix: "/inverted-present", headers: [{ name: "x-env", presentMatch: true, invertMatch: true }] }),
    to("inverted-exact", { prefix: "/inverted-exact", headers: [{ name: "x-env", exactMatch: "prod", invertMatch: true }] }),
    to("inverted-range", { prefix: "/inverted-range", headers: [{ name: "x-n", rangeMatch: { start: 0, end: 10 }, invertMatch: true }] }),
    to("method", { prefix: "/method", headers: [{ name: ":method", exactMatch: "POST" }] }),
    to("scheme", { prefix: "/scheme", headers: [{ name: ":scheme", exactMatch: "https" }] }),
    to("authority", { prefix: "/authority", headers: [{ name: ":authority", suffixMatch: ".local" }] }),
    to("all", { prefix: "/all", headers: [{ name: "a", exactMatch: "1" }, { name: "b", exactMatch: "2" }] }),
  ));

  it("exact, prefix (ignoring case), suffix, contains and regex", () => {
    expect(match(request("/exact", { "x-env": "prod" }))).toBe("vh/exact");
    expect(match(request("/exact", { "x-env": "Prod" }))).toBeNull();
    expect(match(request("/string", { "x-env": "pRoD" }))).toBe("vh/string");
    expect(match(request("/suffix", { "x-env": "prod" }))).toBe("vh/suffix");
    expect(match(request("/contains", { "x-env": "prod" }))).toBe("vh/contains");
    expect(match(request("/contains", { "x-env": "pod" }))).toBeNull();
    expect(match(request("/regex", { "x-env": "pred" }))).toBe("vh/regex");
    expect(match(request("/regex", { "x-env": "xpred" }))).toBeNull();
  });
  it("range is [start, end) on a signed 64-bit integer", () => {
    expect(match(request("/range", { "x-n": "100" }))).toBe("vh/range");
    expect(match(request("/range", { "x-n": "149" }))).toBe("vh/range");
    expect(match(request("/range", { "x-n": "150" }))).toBeNull();
    expect(match(request("/range", { "x-n": "99" }))).toBeNull();
    expect(match(request("/range", { "x-n": " 120 " }))).toBe("vh/range");
    expect(match(request("/range", { "x-n": "+120" }))).toBe("vh/range");
    expect(match(request("/range", { "x-n": "12x" }))).toBeNull();
    expect(match(request("/range", { "x-n": "" }))).toBeNull();
    expect(match(request("/range", { "x-n": "1.2e2" }))).toBeNull();
  });
  it("range handles the int64 extremes and refuses overflow", () => {
    const extreme = both(routes(
      to("low", { prefix: "/", headers: [{ name: "x-n", rangeMatch: { start: "-9223372036854775808", end: "-9223372036854775807" } }] }),
      to("high", { prefix: "/", headers: [{ name: "x-n", rangeMatch: { start: 9223372036854775806n, end: "9223372036854775807" } }] }),
    ));
    expect(extreme(request("/", { "x-n": "-9223372036854775808" }))).toBe("vh/low");
    expect(extreme(request("/", { "x-n": "9223372036854775806" }))).toBe("vh/high");
    expect(extreme(request("/", { "x-n": "9223372036854775807" }))).toBeNull();
    expect(extreme(request("/", { "x-n": "-9223372036854775809" }))).toBeNull();
    expect(extreme(request("/", { "x-n": "99999999999999999999" }))).toBeNull();
  });
  it("present and absent", () => {
    expect(match(request("/present", { "x-env": "" }))).toBe("vh/present");
    expect(match(request("/present", {}))).toBeNull();
    expect(match(request("/absent", {}))).toBe("vh/absent");
    expect(match(request("/absent", { "x-env": "x" }))).toBeNull();
  });
  it("an absent header fails every matcher but absent and inverted present; invert does not rescue the others", () => {
    expect(match(request("/inverted-present", {}))).toBe("vh/inverted-present");
    expect(match(request("/inverted-present", { "x-env": "x" }))).toBeNull();
    expect(match(request("/inverted-exact", {}))).toBeNull();
    expect(match(request("/inverted-range", {}))).toBeNull();
    expect(match(request("/exact", {}))).toBeNull();
  });
  it("invert flips a present header's result", () => {
    expect(match(request("/inverted-exact", { "x-env": "dev" }))).toBe("vh/inverted-exact");
    expect(match(request("/inverted-exact", { "x-env": "prod" }))).toBeNull();
    expect(match(request("/inverted-range", { "x-n": "10" }))).toBe("vh/inverted-range");
    expect(match(request("/inverted-range", { "x-n": "abc" }))).toBe("vh/inverted-range");
    expect(match(request("/inverted-range", { "x-n": "5" }))).toBeNull();
  });
  it("pseudo-headers :method, :scheme and :authority", () => {
    expect(match(request("/method", {}, "svc.local", "POST"))).toBe("vh/method");
    expect(match(request("/method", {}, "svc.local", "GET"))).toBeNull();
    expect(match({ ...request("/scheme"), scheme: "https" })).toBe("vh/scheme");
    expect(match(request("/scheme"))).toBeNull();
    expect(match(request("/authority", {}, "svc.local"))).toBe("vh/authority");
  });
  it("all matchers of a route must hold", () => {
    expect(match(request("/all", { a: "1", b: "2" }))).toBe("vh/all");
    expect(match(request("/all", { a: "1" }))).toBeNull();
  });
  it("joins several values of one header with ',' as Envoy does", () => {
    const joined = both(routes(
      to("joined", { prefix: "/", headers: [{ name: "x-multi", exactMatch: "a,b" }] }),
    ));
    expect(joined(request("/", { "x-multi": ["a", "b"] }))).toBe("vh/joined");
    expect(joined(request("/", { "x-multi": ["a"] }))).toBeNull();
  });
  it("finds mixed-case record keys and Headers-like objects", () => {
    expect(match(request("/exact", { "X-Env": "prod" }))).toBe("vh/exact");
    const headers = new Map([["x-env", "prod"]]);
    expect(match(request("/exact", { get: (name: string) => headers.get(name) ?? null }))).toBe("vh/exact");
  });
});

describe("request encoding", () => {
  it("handles non-ASCII values and requests larger than the initial scratch buffer", () => {
    const match = both(routes(
      to("unicode", { prefix: "/café/", headers: [{ name: "x-name", stringMatch: { suffix: "ü" } }] }),
      to("regex", { safeRegex: { regex: "/long/a+" }, headers: [{ name: "x-big", presentMatch: true }] }),
    ));
    expect(match(request("/café/menu", { "x-name": "Müller-Grüü" }))).toBe("vh/unicode");
    expect(match(request("/cafe/menu", { "x-name": "ü" }))).toBeNull();
    const longPath = "/long/" + "a".repeat(300_000);
    expect(match(request(longPath, { "x-big": "é".repeat(100_000) }))).toBe("vh/regex");
    expect(match(request(longPath + "b", { "x-big": "1" }))).toBeNull();
    expect(match(request("/café/x", { "x-name": "ü" }))).toBe("vh/unicode");
  });
});

describe("query parameter matchers", () => {
  const match = both(routes(
    to("exact", { prefix: "/exact", queryParameters: [{ name: "v", stringMatch: { exact: "1" } }] }),
    to("prefix", { prefix: "/prefix", queryParameters: [{ name: "v", stringMatch: { prefix: "ab" } }] }),
    to("suffix", { prefix: "/suffix", queryParameters: [{ name: "v", stringMatch: { suffix: "YZ", ignoreCase: true } }] }),
    to("regex", { prefix: "/regex", queryParameters: [{ name: "v", stringMatch: { safeRegex: { regex: "[0-9]{3}" } } }] }),
    to("present", { prefix: "/present", queryParameters: [{ name: "debug", presentMatch: true }] }),
    to("bare", { prefix: "/bare", queryParameters: [{ name: "debug" }] }),
  ));
  it("exact, prefix, suffix (ignoring case) and regex on the first occurrence", () => {
    expect(match(request("/exact?v=1"))).toBe("vh/exact");
    expect(match(request("/exact?a=2&v=1&v=2"))).toBe("vh/exact");
    expect(match(request("/exact?v=2&v=1"))).toBeNull();
    expect(match(request("/exact?vv=1"))).toBeNull();
    expect(match(request("/prefix?v=abc"))).toBe("vh/prefix");
    expect(match(request("/suffix?v=xyz"))).toBe("vh/suffix");
    expect(match(request("/regex?v=123"))).toBe("vh/regex");
    expect(match(request("/regex?v=1234"))).toBeNull();
  });
  it("present, with or without a value", () => {
    expect(match(request("/present?debug"))).toBe("vh/present");
    expect(match(request("/present?x=1&debug=0"))).toBe("vh/present");
    expect(match(request("/present?x=1"))).toBeNull();
    expect(match(request("/present"))).toBeNull();
    expect(match(request("/bare?debug="))).toBe("vh/bare");
  });
  it("does not percent-decode", () => {
    expect(match(request("/exact?%76=1"))).toBeNull();
  });
});

describe("gRPC routes", () => {
  const match = both(routes(to("grpc", { prefix: "/pkg.Service/", grpc: {} }), to("other", { prefix: "/" })));
  it("match only application/grpc, application/grpc+… and application/grpc;…", () => {
    expect(match(request("/pkg.Service/Call", { "content-type": "application/grpc" }))).toBe("vh/grpc");
    expect(match(request("/pkg.Service/Call", { "content-type": "application/grpc+proto" }))).toBe("vh/grpc");
    expect(match(request("/pkg.Service/Call", { "content-type": "application/grpc;charset=utf-8" }))).toBe("vh/grpc");
    expect(match(request("/pkg.Service/Call", { "content-type": "application/grpcx" }))).toBe("vh/other");
    expect(match(request("/pkg.Service/Call", { "content-type": "application/json" }))).toBe("vh/other");
    expect(match(request("/pkg.Service/Call"))).toBe("vh/other");
  });
});

describe("actions and weighted targets", () => {
  const table = RouteTable.compile(routes(
    { name: "split", match: { prefix: "/split" }, route: { weightedClusters: { clusters: [{ name: "zero", weight: 0 }, { name: "a", weight: 1 }, { name: "b", weight: 3 }] } } },
    { name: "no-action", match: { prefix: "/redirect" } },
  ));
  it("chooses by cumulative weight from a random number, and from a hash modulo the total", () => {
    expect(table.match(request("/split"), 0)?.cluster).toBe("a");
    expect(table.match(request("/split"), 0.24)?.cluster).toBe("a");
    expect(table.match(request("/split"), 0.25)?.cluster).toBe("b");
    expect(table.match(request("/split"), 0.999)?.cluster).toBe("b");
    expect(table.match(request("/split"), 4)?.cluster).toBe("a");
    expect(table.match(request("/split"), 5)?.cluster).toBe("b");
    expect(table.match(request("/split"), 2n ** 64n + 4n)?.cluster).toBe("a");
  });
  it("never chooses a zero-weight target", () => {
    for (let i = 0; i < 1000; i++) expect(table.match(request("/split"))?.cluster).not.toBe("zero");
  });
  it("routes without a cluster match with no target", () => {
    expect(table.match(request("/redirect"))).toMatchObject({ routeName: "no-action", target: -1, cluster: null });
  });
  it("refuses invalid random values", () => {
    expect(() => table.match(request("/split"), 1.5)).toThrow(RangeError);
  });
});

describe("explain", () => {
  it("lists each route considered with the matcher that failed", () => {
    const table = RouteTable.compile(routes(
      to("by-path", { prefix: "/other" }),
      to("by-header", { prefix: "/", headers: [{ name: "x-a", exactMatch: "1" }] }),
      to("by-query", { prefix: "/", queryParameters: [{ name: "q" }] }),
      to("by-grpc", { prefix: "/", grpc: {} }),
      to("hit", { prefix: "/" }),
      to("after", { prefix: "/" }),
    ));
    const explanation = table.explain(request("/x", { "x-a": "2" }));
    expect(explanation.routes.map((r) => [r.routeName, r.matched])).toEqual([
      ["by-path", false], ["by-header", false], ["by-query", false], ["by-grpc", false], ["hit", true],
    ]);
    expect(explanation.routes[0]!.failed).toContain('prefix "/other"');
    expect(explanation.routes[1]!.failed).toBe('header "x-a": expected exact "1", got "2"');
    expect(explanation.routes[2]!.failed).toContain('query parameter "q"');
    expect(explanation.routes[3]!.failed).toContain("grpc");
    expect(explanation.match?.routeName).toBe("hit");
  });
});

describe("compilation", () => {
  it("refuses look-around and back-references in route regexes with RE2's reason", () => {
    expect(() => RouteTable.compile(routes(to("r", { safeRegex: { regex: "/(?=a)" } })))).toThrow(/look-around/);
    expect(() => RouteTable.compile(routes(to("r", { prefix: "/", headers: [{ name: "h", safeRegexMatch: { regex: "(a)\\1" } }] })))).toThrow(/back-reference/);
  });
  it("refuses matchers whose Envoy semantics meshplane does not implement", () => {
    expect(() => RouteTable.compile(routes(to("r", { prefix: "/", queryParameters: [{ name: "q", presentMatch: false }] })))).toThrow(/presentMatch: false/);
    const missingAsEmpty = { name: "h", exactMatch: "", treatMissingHeaderAsEmpty: true };
    expect(() => RouteTable.compile(routes(to("r", { prefix: "/", headers: [missingAsEmpty] })))).toThrow(/treatMissingHeaderAsEmpty/);
  });
  it("refuses routes with no or several path specifiers", () => {
    expect(() => RouteTable.compile(routes(to("r", {})))).toThrow(/exactly one of prefix, path, safeRegex/);
    expect(() => RouteTable.compile(routes(to("r", { prefix: "/", path: "/" })))).toThrow(RouteTableError);
  });
  it("does not leak memory when tables are replaced thousands of times", () => {
    const core = loadFreshCore();
    const spec = routes(...Array.from({ length: 50 }, (_, i) => to(`r${i}`, {
      prefix: `/service-${i}/`, headers: [{ name: "x-user", safeRegexMatch: { regex: `user-[0-9]{1,4}-${i}` } }],
    })));
    const replaceTables = (count: number): void => {
      for (let i = 0; i < count; i++) {
        const table = RouteTable.compile(spec, { core });
        expect(table.matchIndex(request("/service-7/x", { "x-user": "user-12-7" }))).toBe(7);
        table.dispose();
      }
    };
    replaceTables(300);
    const afterWarmUp = core.memoryBytes;
    replaceTables(3000);
    expect(core.memoryBytes).toBeLessThanOrEqual(afterWarmUp * 1.25);
  });
  it("keeps memory bounded across many regex checks, explains and compile failures", () => {
    const core = loadFreshCore();
    const table = RouteTable.compile(routes(to("r", { prefix: "/", headers: [{ name: "x", exactMatch: "1" }] })), { core });
    const churn = (count: number): void => {
      for (let i = 0; i < count; i++) {
        expect(core.checkRegex(`(a|b)*c{${i % 50}}[x-z]+`).ok).toBe(true);
        expect(core.checkRegex(`(?=${i})`).ok).toBe(false);
        expect(table.explain(request(`/p${i}`)).routes).toHaveLength(1);
        expect(() => RouteTable.compile(routes(to("bad", { safeRegex: { regex: "(" } })), { core })).toThrow(RouteTableError);
      }
    };
    churn(500);
    const afterWarmUp = core.memoryBytes;
    churn(5000);
    expect(core.memoryBytes).toBeLessThanOrEqual(afterWarmUp * 1.25);
  });
  it("keeps tables independent when they take turns on one core", () => {
    const byHeader = RouteTable.compile(routes(to("h", { prefix: "/", headers: [{ name: "x-a", exactMatch: "1" }, { name: "x-b", exactMatch: "2" }] })));
    const byHost = RouteTable.compile({ virtualHosts: [
      { name: "a", domains: ["a.local"], routes: [to("ra", { prefix: "/" })] },
      { name: "b", domains: ["b.local:8080"], routes: [to("rb", { prefix: "/" })] },
    ] });
    for (let i = 0; i < 50; i++) {
      const authority = i % 3 === 0 ? "a.local" : "b.local:8080";
      expect(byHost.match(request("/x", {}, authority))?.routeName).toBe(i % 3 === 0 ? "ra" : "rb");
      expect(byHeader.match(request("/y", { "x-a": "1", "x-b": i % 2 === 0 ? "2" : "3" }, authority))?.routeName ?? null).toBe(i % 2 === 0 ? "h" : null);
      expect(byHost.match(request("/x", {}, authority))?.virtualHostName).toBe(i % 3 === 0 ? "a" : "b");
      if (i % 5 === 0) expect(loadCore().checkRegex("a+").ok).toBe(true);
      if (i % 7 === 0) expect(byHost.explain(request("/x", {}, authority)).match?.routeName).toBe(i % 3 === 0 ? "ra" : "rb");
    }
  });
  it("refuses to match after dispose", () => {
    const table = RouteTable.compile(routes(to("r", { prefix: "/" })));
    table.dispose();
    expect(() => table.match(request("/"))).toThrow(/dispose/);
  });
});
