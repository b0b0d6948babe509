// Matcher benchmark: the WASM core against the TypeScript reference, find-my-way and Hono's RegExpRouter, side by
// side in one process, on tables of 10 to 10,000 routes. Every engine is timed end to end from a JavaScript request
// (string path in, route out). find-my-way and Hono only express literal and prefix paths, so they run on that
// subset; the mixed table (prefix, exact, header, query and regex routes) runs on the WASM core and the reference.
import FindMyWay from "find-my-way";
import { RegExpRouter } from "hono/router/reg-exp-router";
import RE2 from "re2";
import { loadCore, pickWeighted, RouteTable, type RouteRequest, type RouteSpec, type RouteTableSpec } from "../core-wasm/node.js";
import { ReferenceRouteTable, pickWeightedReference } from "../core-wasm/reference.js";

const SIZES = [10, 100, 1_000, 10_000];
const REQUEST_COUNT = 1024;
/** Minimum measured time per engine and size; the reference at 10,000 routes gets fewer rounds (it is slow). */
const MEASURE_MS = 400;

/** mulberry32, so every run probes the same requests. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const re2Factory = (pattern: string): ((input: string) => boolean) => {
  const compiled = new RE2(`\\A(?:${pattern})\\z`, "u");
  return (input) => compiled.test(input);
};

/**
 * ns per call of `run` over `inputs`, after a warm-up round. Process CPU time, not wall time: this machine is shared
 * with other suites, and time spent descheduled is not the matcher's. `sink` defeats dead-code elimination.
 */
function measure<T>(inputs: readonly T[], run: (input: T) => unknown, minMs = MEASURE_MS): number {
  let sink = 0;
  for (const input of inputs) if (run(input) != null) sink++;
  let calls = 0;
  const started = process.cpuUsage();
  let elapsedMicros = 0;
  while (elapsedMicros < minMs * 1000) {
    for (const input of inputs) if (run(input) != null) sink++;
    calls += inputs.length;
    const used = process.cpuUsage(started);
    elapsedMicros = used.user + used.system;
  }
  if (sink < 0) console.log(sink);
  return (elapsedMicros * 1000) / calls;
}

// ── Literal/prefix subset: half exact paths, half prefixes, distinct so that every engine picks the same route ──

function literalRoutes(size: number): { exact: string[]; prefixes: string[] } {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (let i = 0; i < size; i++) {
    if (i % 2 === 0) exact.push(`/svc${i}/items`);
    else prefixes.push(`/api${i}/`);
  }
  return { exact, prefixes };
}

function literalSpec(size: number): RouteTableSpec {
  const routes: RouteSpec[] = [];
  for (let i = 0; i < size; i++) {
    routes.push(i % 2 === 0
      ? { name: `r${i}`, match: { path: `/svc${i}/items` }, route: { cluster: `c${i}` } }
      : { name: `r${i}`, match: { prefix: `/api${i}/` }, route: { cluster: `c${i}` } });
  }
  return { virtualHosts: [{ name: "bench", domains: ["*"], routes }] };
}

function literalRequests(size: number): RouteRequest[] {
  const random = seededRandom(size);
  const requests: RouteRequest[] = [];
  for (let n = 0; n < REQUEST_COUNT; n++) {
    const i = Math.floor(random() * size);
    const roll = random();
    const path = roll < 0.1 ? `/missing/${i}` : i % 2 === 0 ? `/svc${i}/items` : `/api${i}/orders/${n}`;
    requests.push({ method: "GET", authority: "bench.local", path, headers: {} });
  }
  return requests;
}

// ── Mixed table: prefix, exact, header-conditioned, query-conditioned and regex routes ──────────────────────────────

function mixedSpec(size: number): RouteTableSpec {
  const routes: RouteSpec[] = [];
  for (let i = 0; i < size; i++) {
    const cluster = { cluster: `c${i}` };
    switch (i % 8) {
      case 0: case 1: case 2:
        routes.push({ match: { prefix: `/api${i}/` }, route: cluster });
        break;
      case 3: case 4:
        routes.push({ match: { path: `/svc${i}/items` }, route: cluster });
        break;
      case 5:
        routes.push({ match: { prefix: `/tenant${i}/`, headers: [{ name: "x-tenant", exactMatch: `t${i}` }, { name: ":method", exactMatch: "POST" }] }, route: cluster });
        break;
      case 6:
        routes.push({ match: { safeRegex: { regex: `/users${i}/[0-9]+(/orders/[a-z0-9-]+)?` } }, route: cluster });
        break;
      default:
        routes.push({ match: { path: `/search${i}`, queryParameters: [{ name: "q", stringMatch: { prefix: "a" } }] }, route: { weightedClusters: { clusters: [{ name: "v1", weight: 90 }, { name: "v2", weight: 10 }] } } });
    }
  }
  return { virtualHosts: [{ name: "mixed", domains: ["*"], routes }] };
}

function mixedRequests(size: number): RouteRequest[] {
  const random = seededRandom(size + 1);
  const requests: RouteRequest[] = [];
  for (let n = 0; n < REQUEST_COUNT; n++) {
    const i = Math.floor(random() * size);
    const headers: Record<string, string> = { "x-tenant": `t${i}`, "user-agent": "bench" };
    const paths = [`/api${i}/x`, `/api${i}/y`, `/api${i}/z`, `/svc${i}/items`, `/svc${i}/items`, `/tenant${i}/a`, `/users${i}/${n}/orders/ab-${n}`, `/search${i}?q=abc&page=${n}`];
    requests.push({ method: random() < 0.8 ? "POST" : "GET", authority: "bench.local", path: random() < 0.05 ? `/none/${n}` : paths[i % 8]!, headers });
  }
  return requests;
}

function format(ns: number): string {
  return ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
}

function ratio(numerator: number, denominator: number): string {
  return `${(numerator / denominator).toFixed(numerator / denominator >= 10 ? 0 : 2)}×`;
}

export default async function matcherBenchmark(): Promise<string> {
  loadCore();
  const literalRows: string[] = [];
  const mixedRows: string[] = [];
  const wasmLiteral: number[] = [];
  const wasmMixed: number[] = [];

  for (const size of SIZES) {
    const spec = literalSpec(size);
    const requests = literalRequests(size);
    const table = RouteTable.compile(spec);
    const reference = new ReferenceRouteTable(spec, re2Factory);
    const { exact, prefixes } = literalRoutes(size);
    const findMyWay = FindMyWay();
    const hono = new RegExpRouter<number>();
    exact.forEach((path, i) => {
      findMyWay.on("GET", path, () => i);
      hono.add("GET", path, i);
    });
    prefixes.forEach((prefix, i) => {
      findMyWay.on("GET", `${prefix}*`, () => i);
      hono.add("GET", `${prefix}*`, i);
    });
    const paths = requests.map((request) => request.path);
    // The engines must agree on what matches before their speed means anything.
    const hits = (found: (i: number) => boolean): number => requests.filter((_, i) => found(i)).length;
    const wasmHits = hits((i) => table.match(requests[i]!) !== null);
    const findMyWayHits = hits((i) => findMyWay.find("GET", paths[i]!) !== null);
    const honoHits = hits((i) => hono.match("GET", paths[i]!)[0].length > 0);
    if (wasmHits !== findMyWayHits || wasmHits !== honoHits) {
      throw new Error(`engines disagree at ${size} routes: wasm ${wasmHits}, find-my-way ${findMyWayHits}, hono ${honoHits}`);
    }

    const wasm = measure(requests, (request) => table.match(request, 0.5));
    const wasmIndex = measure(requests, (request) => table.matchIndex(request));
    const referenceNs = measure(requests, (request) => reference.match(request, 0.5), size >= 10_000 ? 150 : MEASURE_MS);
    const findMyWayNs = measure(paths, (path) => findMyWay.find("GET", path));
    const honoNs = measure(paths, (path) => hono.match("GET", path));
    wasmLiteral.push(wasm);
    literalRows.push(`| ${size.toLocaleString("en")} | ${format(wasm)} | ${format(wasmIndex)} | ${format(referenceNs)} | ${format(findMyWayNs)} | ${format(honoNs)} | ${ratio(findMyWayNs, wasm)} | ${ratio(honoNs, wasm)} | ${ratio(referenceNs, wasm)} |`);
    table.dispose();

    const mixed = mixedSpec(size);
    const mixedTable = RouteTable.compile(mixed);
    const mixedReference = new ReferenceRouteTable(mixed, re2Factory);
    const mixedProbe = mixedRequests(size);
    for (const request of mixedProbe.slice(0, 200)) {
      const a = mixedTable.match(request, 0.5);
      const b = mixedReference.match(request, 0.5);
      if ((a?.cluster ?? null) !== (b?.cluster ?? null)) throw new Error(`mixed table disagreement on ${request.path}`);
    }
    const mixedWasm = measure(mixedProbe, (request) => mixedTable.match(request, 0.5));
    const mixedReferenceNs = measure(mixedProbe, (request) => mixedReference.match(request, 0.5), size >= 10_000 ? 150 : MEASURE_MS);
    wasmMixed.push(mixedWasm);
    mixedRows.push(`| ${size.toLocaleString("en")} | ${format(mixedWasm)} | ${format(mixedReferenceNs)} | ${ratio(mixedReferenceNs, mixedWasm)} |`);
    mixedTable.dispose();
  }

  const weightedTable = RouteTable.compile({
    virtualHosts: [{ domains: ["*"], routes: [{ match: { prefix: "/" }, route: { weightedClusters: { clusters: [{ name: "a", weight: 10 }, { name: "b", weight: 0 }, { name: "c", weight: 30 }, { name: "d", weight: 60 }] } } }] }],
  });
  const randoms = Array.from({ length: REQUEST_COUNT }, seededRandom(9));
  const weights = [10, 0, 30, 60];
  // Dedicated loops: the picks are so cheap that measure()'s shared, megamorphic call site would dominate them.
  const pickLoop = (pick: (random: number) => number): number => {
    let sink = 0;
    const rounds = 2000;
    for (const random of randoms) sink += pick(random);
    const started = process.cpuUsage();
    for (let round = 0; round < rounds; round++) for (let i = 0; i < randoms.length; i++) sink += pick(randoms[i]!);
    const used = process.cpuUsage(started);
    if (sink < 0) console.log(sink);
    return ((used.user + used.system) * 1000) / (rounds * randoms.length);
  };
  const pickInTable = pickLoop((random) => weightedTable.pickTarget(0, random));
  const pickStandalone = pickLoop((random) => pickWeighted(weights, random));
  const pickReference = pickLoop((random) => pickWeightedReference(weights, random));
  weightedTable.dispose();

  return [
    "### Literal and prefix routes (the subset every engine expresses)",
    "",
    "Half exact paths, half prefixes; 1,024 requests, 90% hits. WASM `match` is the full API call (request object in,",
    "result object out); `matchIndex` skips building the result object. Ratios: how many times longer the other",
    "engine takes than WASM `match` (above 1× means WASM is faster).",
    "",
    "| routes | WASM match | WASM matchIndex | TS reference | find-my-way | Hono RegExpRouter | find-my-way / WASM | Hono / WASM | reference / WASM |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...literalRows,
    "",
    `WASM cost at 10,000 routes vs 10 routes: ${ratio(wasmLiteral[3]!, wasmLiteral[0]!)}.`,
    "",
    "### Mixed routes (prefix, exact, header, query and regex)",
    "",
    "Per 8 routes: 3 prefixes, 2 exact paths, 1 prefix with two header matchers, 1 regex, 1 exact path with a query",
    "matcher and a 90/10 weighted split.",
    "",
    "| routes | WASM match | TS reference | reference / WASM |",
    "|---:|---:|---:|---:|",
    ...mixedRows,
    "",
    `WASM cost at 10,000 routes vs 10 routes: ${ratio(wasmMixed[3]!, wasmMixed[0]!)}.`,
    "",
    "### Weighted pick (4 targets, one of weight 0)",
    "",
    "| picker | ns/pick |",
    "|---|---:|",
    `| route target inside WASM (\`table.pickTarget\`) | ${pickInTable.toFixed(1)} |`,
    `| standalone \`pickWeighted(weights, random)\` (copies the weights in) | ${pickStandalone.toFixed(1)} |`,
    `| TS reference | ${pickReference.toFixed(1)} |`,
    "",
  ].join("\n");
}
