// @meshplane/core-wasm: Envoy's route matching for what meshplane emits, in one WebAssembly module with no imports
// (build/core.wasm, compiled from ./assembly), and this host binding, the only file that knows about pointers.
// It loads the same way everywhere: hand `instantiateCore` a compiled WebAssembly.Module (a Worker imports the
// .wasm file as one, a browser compiles it with WebAssembly.compileStreaming; Node and Deno: see ./node.ts).
//
// Public API (everything exported below; the package's README shows it per runtime):
// - instantiateCore(module) → Core: one instance with its own memory; the first one becomes the default core.
// - RouteTable.compile(spec) → table; table.match(request) → { virtualHost, route, target, cluster } | null,
//   table.explain(request), table.dispose().
// - checkRegex(pattern), pickWeighted(weights, randomOrHash), Core#compileRegex(pattern).
// - the spec types (RouteTableSpec: Envoy's RouteConfiguration JSON subset), RouteRequest, RouteTableError.
//
// Semantics are Envoy's for what meshplane emits (see spec.ts for the spec format):
// - virtual host by :authority, case-insensitively: exact domain, then the longest `*suffix`, then the longest
//   `prefix*`, then `*`. A domain without a port is compared with the authority's port stripped; a domain with a
//   port with the authority as is. Wildcards match at least one character.
// - first matching route wins; all matchers of a route must hold.
// - header matchers: a header absent from the request fails every matcher except "absent" (presentMatch false) and
//   inverted "present", exactly as Envoy does (invert is not applied to other matchers of an absent header).
//   Several values are joined with ",". Range: signed 64-bit decimal value in [start, end).
// - query parameters: the first occurrence of the name, value not percent-decoded; a name without `=` has value "".
// - regexes (safeRegex): RE2 syntax, full match, executed by a Pike VM over code points in time
//   O(input × program size); programs above `maxRegexProgramSize` instructions (default 1000) are refused.
//
// Unicode: patterns and inputs are UTF-8 and matched code point by code point (`.` and classes match one code point,
// as RE2 does in UTF-8 mode). `\d \w \s \b` and POSIX classes are ASCII, as in RE2. Differences from RE2, all
// refused or documented rather than silently different: `\p{…}`/`\pL` Unicode classes are refused; `(?i)` folds
// ASCII letters only (RE2 also folds e.g. `k` with U+212A KELVIN SIGN and `s` with U+017F); `\C` is refused.
import { webAssembly, type WasmModule } from "./platform.js";
import {
  normalizeTable,
  requestHeaderValue,
  weightSelector,
  RouteTableError,
  type NormalizedRoute,
  type NormalizedTable,
  type NormalizedHeaderMatch,
  type NormalizedStringMatch,
  type RouteRequest,
  type RouteTableSpec,
} from "./spec.js";

export { RouteTableError };
export type { WasmModule };
export type {
  RouteTableSpec,
  VirtualHostSpec,
  RouteSpec,
  RouteMatchSpec,
  RegexMatcherSpec,
  StringMatcherSpec,
  HeaderMatcherSpec,
  QueryParameterMatcherSpec,
  RouteActionSpec,
  Int64Like,
  RouteRequest,
  HeaderRecord,
  HeadersLike,
  NormalizedTable,
  NormalizedRoute,
  NormalizedTarget,
  NormalizedHeaderMatch,
  NormalizedQueryMatch,
  NormalizedStringMatch,
  StringMatchKind,
} from "./spec.js";
// Core and CompiledRegex are exported as types only: instances come from instantiateCore and Core#compileRegex.
export type { Core, CompiledRegex };
export { routeTableSpecFromEnvoyJson, normalizeRequestPath } from "./envoy-json.js";
export type { PathNormalization } from "./envoy-json.js";

/**
 * The default bound on a regex's compiled program, in VM instructions. It bounds matching work per input byte.
 * (Envoy refuses RE2 programs above 100 of RE2's instructions by default, which count much like ours: a validator
 * that must predict Envoy can pass maxProgramSize: 100.)
 */
export const DEFAULT_MAX_REGEX_PROGRAM_SIZE = 1000;

/** The verdict on a pattern: accepted, or refused with the parser's reason for people to read. */
export type RegexCheck = { ok: true } | { ok: false; message: string };

export interface RegexOptions {
  /** Refuse patterns whose program exceeds this many instructions (default DEFAULT_MAX_REGEX_PROGRAM_SIZE). */
  maxProgramSize?: number;
  /** The core to use (default: the first one instantiated). */
  core?: Core;
}

export interface CompileOptions {
  /** Refuse regexes (path and header matchers) above this many instructions (default DEFAULT_MAX_REGEX_PROGRAM_SIZE). */
  maxRegexProgramSize?: number;
  /** The core whose memory holds the table (default: the first one instantiated). */
  core?: Core;
}

/**
 * Where a request goes: indices into the spec the table was compiled from, with the names.
 *
 * @example
 * { virtualHost: 0, virtualHostName: "payments", route: 0, routeName: "canary", target: 1, cluster: "pay-v1" }
 */
export interface RouteMatch {
  /** Index into spec.virtualHosts. */
  virtualHost: number;
  /** The virtual host's `name` (or `virtualHosts[i]` when it had none). */
  virtualHostName: string;
  /** Index into that virtual host's routes. */
  route: number;
  /** The route's `name` (or `virtualHosts[i].routes[j]` when it had none). */
  routeName: string;
  /** Index into weightedClusters.clusters (0 for a single cluster); -1 when the route has no target. */
  target: number;
  /** The chosen cluster's name; null when the route has no target (no `route` action, or all weights 0). */
  cluster: string | null;
}

/** One route considered by explain(). */
export interface RouteExplanation {
  virtualHost: number;
  route: number;
  routeName: string;
  /** True for the route that won (always the last one listed). */
  matched: boolean;
  /** For humans: which matcher failed, and why. */
  failed?: string;
}

/**
 * Why a request went where it went (or nowhere): for tools and people, not for the hot path.
 *
 * @example
 * { virtualHost: 0, virtualHostName: "payments", match: { …, routeName: "default" }, routes: [
 *     { virtualHost: 0, route: 0, routeName: "canary", matched: false,
 *       failed: 'header "x-canary": expected present, got absent' },
 *     { virtualHost: 0, route: 1, routeName: "default", matched: true } ] }
 */
export interface Explanation {
  /** -1 when no domain matched. */
  virtualHost: number;
  virtualHostName: string | null;
  /** Every route of the virtual host in order, up to and including the first that matched. */
  routes: RouteExplanation[];
  /** What match() would have returned. */
  match: Readonly<RouteMatch> | null;
}

/** The raw module exports; only this file calls them. */
interface CoreExports {
  memory: { readonly buffer: ArrayBuffer };
  scratchBase(): number;
  scratchSize(): number;
  reserveScratch(bytes: number): void;
  errorMessage(): number;
  regexCheck(length: number, maxProgramSize: number): number;
  regexCompile(length: number, maxProgramSize: number): number;
  regexFullMatch(handle: number, length: number): number;
  regexProgramSize(handle: number): number;
  regexDispose(handle: number): void;
  regexSteps(): number;
  tableBegin(contentTypeSlot: number, maxProgramSize: number): void;
  tableAddVirtualHost(): number;
  tableAddDomain(length: number): number;
  tableAddRoute(pathKind: number, caseSensitive: number, grpc: number, length: number): number;
  tableAddHeaderValue(slot: number, invert: number, kind: number, ignoreCase: number, length: number): number;
  tableAddHeaderRange(slot: number, invert: number, start: bigint, end: bigint): void;
  tableAddHeaderPresent(slot: number, invert: number, present: number): void;
  tableAddQueryParameter(nameLength: number, kind: number, ignoreCase: number, valueLength: number): number;
  tableAddTarget(weight: number): void;
  tableFinish(): number;
  tableAbandon(): void;
  tableDispose(handle: number): void;
  tableMatch(handle: number): number;
  routeCandidatesExamined(): number;
  pickWeighted(count: number, selector: number): number;
  tableWeightsAddress(handle: number): number;
  pickAt(address: number, count: number, selector: number): number;
  tableExplain(handle: number): number;
}

// Mirrors of the AssemblyScript enums (assembly/router/table.ts, assembly/router/strings.ts).
const PATH_KIND = { prefix: 0, exact: 1, regex: 2 } as const;
const STRING_KIND = { exact: 0, prefix: 1, suffix: 2, contains: 3, regex: 4 } as const;
const FAILURE_NONE = 0;
const FAILURE_PATH = 1;
const FAILURE_GRPC = 2;
const FAILURE_HEADER = 3;
const SLOT_BYTES = 8;
/** Slots 0–2 of every request: see assembly/router/request.ts. */
const FIXED_SLOTS = [":method", ":authority", ":path"] as const;
const ABSENT = -1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let defaultCore: Core | undefined;

/**
 * Instantiates the core from its compiled module, synchronously and with no imports (no code generation at run
 * time, so it works in a Worker). The first core instantiated becomes the default of RouteTable.compile,
 * checkRegex and pickWeighted; every call returns a new, independent instance with its own memory.
 *
 * @example
 * // Cloudflare Workers: the bundler turns the import into a WebAssembly.Module
 * import coreModule from "@meshplane/core-wasm/core.wasm";
 * const core = instantiateCore(coreModule);
 * // Browsers
 * const core = instantiateCore(await WebAssembly.compileStreaming(fetch(coreWasmUrl)));
 */
export function instantiateCore(module: WasmModule): Core {
  const instance = new webAssembly.Instance(module, {});
  const core = new Core(instance.exports as unknown as CoreExports);
  defaultCore ??= core;
  return core;
}

function coreOrDefault(core: Core | undefined): Core {
  const chosen = core ?? defaultCore;
  if (chosen === undefined) {
    throw new Error("meshplane core-wasm is not loaded: call instantiateCore(module) (or loadCore() on Node) first");
  }
  return chosen;
}

/**
 * Checks a pattern with the engine's own parser and size bound: what RouteTable.compile would accept.
 *
 * @example
 * checkRegex("/pay/[0-9]+");  // { ok: true }
 * checkRegex("(?=x)");        // { ok: false, message: "look-around assertions (?=, ?!, ?<=, ?<!) are not supported by RE2" }
 */
export function checkRegex(pattern: string, options: RegexOptions = {}): RegexCheck {
  return coreOrDefault(options.core).checkRegex(pattern, options.maxProgramSize);
}

/**
 * Picks a target index by weight (zero weights never chosen); -1 when the weights sum to 0. `randomOrHash`: a
 * random number in [0, 1) scales onto the total weight; an integer ≥ 1 (number or bigint, taken as unsigned
 * 64-bit) is a hash taken modulo the total, so that a split can be sticky.
 *
 * @example
 * pickWeighted([90, 10], Math.random());  // 0 nine times in ten
 * pickWeighted([90, 10], 95);             // 1: 95 % 100 falls in the second target's share
 */
export function pickWeighted(weights: readonly number[], randomOrHash: number | bigint, core?: Core): number {
  return coreOrDefault(core).pickWeighted(weights, randomOrHash);
}

/**
 * The host side of one module instance: the scratch buffer (see assembly/router/request.ts for its request layout)
 * and the raw exports. Module-private: Core, RouteTable and CompiledRegex reach it through scratchOf().
 */
class Scratch {
  readonly exports: CoreExports;
  #bytes!: Uint8Array;
  #words!: Int32Array;
  #base = 0;
  #size = 0;
  /**
   * The route table whose request bytes the buffer holds, or null after anything else wrote there: lets a table
   * skip rewriting values that did not change.
   */
  owner: object | null = null;

  constructor(exports: CoreExports) {
    this.exports = exports;
    this.#locate();
  }

  #locate(): void {
    this.#base = this.exports.scratchBase();
    this.#size = this.exports.scratchSize();
    this.#refreshViews();
  }

  #refreshViews(): void {
    const buffer = this.exports.memory.buffer;
    this.#bytes = new Uint8Array(buffer);
    this.#words = new Int32Array(buffer);
  }

  /** Makes the buffer at least `bytes` long and the views current; call before writing. */
  reserve(bytes: number): void {
    if (bytes > this.#size) {
      this.owner = null;
      this.exports.reserveScratch(bytes);
      this.#locate();
    } else if (this.#bytes.byteLength === 0) {
      // memory.grow detaches the old ArrayBuffer, which empties every view on it: a cheaper test than
      // comparing memory.buffer, whose getter shows up in per-request profiles.
      this.#refreshViews();
    }
  }

  /** Writes `text` as UTF-8 at offset `at` (capacity for 3 bytes per UTF-16 unit reserved) → byte length. */
  writeText(text: string, at: number): number {
    const bytes = this.#bytes;
    const start = this.#base + at;
    const length = text.length;
    for (let i = 0; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (unit > 0x7f) return encoder.encodeInto(text, bytes.subarray(start)).written;
      bytes[start + i] = unit;
    }
    return length;
  }

  /** Writes `text` at the start of the buffer → byte length. */
  writeString(text: string): number {
    this.owner = null;
    this.reserve(text.length * 3);
    return this.writeText(text, 0);
  }

  /** Writes `text` at `offset` as the value of request slot `slot`; returns the offset after it. */
  writeSlot(slot: number, text: string, offset: number): number {
    const length = this.writeText(text, offset);
    this.setSlot(slot, offset, length);
    return offset + length;
  }

  setSlot(slot: number, offset: number, length: number): void {
    const word = (this.#base >> 2) + slot * 2;
    this.#words[word] = offset;
    this.#words[word + 1] = length;
  }

  writeWords(values: readonly number[]): void {
    this.owner = null;
    this.reserve(values.length * 4);
    const first = this.#base >> 2;
    for (let i = 0; i < values.length; i++) this.#words[first + i] = values[i]! | 0;
  }

  readWords(count: number): Int32Array {
    this.owner = null;
    this.reserve(0);
    return this.#words.slice(this.#base >> 2, (this.#base >> 2) + count);
  }

  lastError(): string {
    this.owner = null;
    const length = this.exports.errorMessage();
    this.reserve(0);
    return decoder.decode(this.#bytes.subarray(this.#base, this.#base + length));
  }
}

const scratchByCore = new WeakMap<Core, Scratch>();

function scratchOf(core: Core): Scratch {
  return scratchByCore.get(core)!;
}

/** A regex compiled into one core's memory, for direct use (tests, tools). Obtain it from Core#compileRegex. */
class CompiledRegex {
  readonly #scratch: Scratch;
  #handle: number;
  readonly programSize: number;

  /** @internal Use Core#compileRegex. */
  constructor(scratch: Scratch, handle: number, programSize: number) {
    this.#scratch = scratch;
    this.#handle = handle;
    this.programSize = programSize;
  }

  /** Whether the whole of `input` matches (RE2::FullMatch). */
  test(input: string): boolean {
    if (this.#handle < 0) throw new Error("regex used after dispose()");
    const length = this.#scratch.writeString(input);
    return this.#scratch.exports.regexFullMatch(this.#handle, length) === 1;
  }

  dispose(): void {
    if (this.#handle >= 0) this.#scratch.exports.regexDispose(this.#handle);
    this.#handle = -1;
  }
}

/** One instance of the module, with its own memory. Obtain it from instantiateCore (or loadCore on Node and Deno). */
class Core {
  readonly #scratch: Scratch;

  /** @internal Use instantiateCore. */
  constructor(exports: CoreExports) {
    this.#scratch = new Scratch(exports);
    scratchByCore.set(this, this.#scratch);
  }

  /** Bytes of linear memory: it grows on demand and never shrinks, so this bounds what tables have cost. */
  get memoryBytes(): number {
    return this.#scratch.exports.memory.buffer.byteLength;
  }

  /** Candidate routes table.match examined so far (after the path index): a deterministic measure of work. */
  get routeCandidatesExamined(): number {
    return this.#scratch.exports.routeCandidatesExamined();
  }

  /** Regex VM instructions executed so far: a deterministic measure of matching work. */
  get regexSteps(): number {
    return this.#scratch.exports.regexSteps();
  }

  /** checkRegex on this core. */
  checkRegex(pattern: string, maxProgramSize = DEFAULT_MAX_REGEX_PROGRAM_SIZE): RegexCheck {
    const scratch = this.#scratch;
    const length = scratch.writeString(pattern);
    if (scratch.exports.regexCheck(length, maxProgramSize) === 1) return { ok: true };
    return { ok: false, message: scratch.lastError() };
  }

  /** Compiles a regex for direct use (tests, tools); throws RouteTableError with the parser's message. */
  compileRegex(pattern: string, maxProgramSize = DEFAULT_MAX_REGEX_PROGRAM_SIZE): CompiledRegex {
    const scratch = this.#scratch;
    const length = scratch.writeString(pattern);
    const handle = scratch.exports.regexCompile(length, maxProgramSize);
    if (handle < 0) throw new RouteTableError(`invalid regex ${JSON.stringify(pattern)}: ${scratch.lastError()}`);
    return new CompiledRegex(scratch, handle, scratch.exports.regexProgramSize(handle));
  }

  /** pickWeighted on this core. */
  pickWeighted(weights: readonly number[], randomOrHash: number | bigint): number {
    let total = 0;
    for (const weight of weights) {
      if (!Number.isInteger(weight) || weight < 0) throw new RangeError(`weight ${weight} is not an integer ≥ 0`);
      total += weight;
    }
    if (total > 0xffff_ffff) throw new RangeError("weights sum above 2^32 - 1");
    if (total === 0) return -1;
    const selector = weightSelector(randomOrHash, total);
    this.#scratch.writeWords(weights);
    return this.#scratch.exports.pickWeighted(weights.length, selector);
  }
}

/**
 * A compiled route table resident in WASM memory: compile it once per configuration, match many requests, and
 * call dispose() when replacing it (its memory is reused; the instance's memory never shrinks).
 */
export class RouteTable {
  readonly #scratch: Scratch;
  #handle: number;
  readonly #table: NormalizedTable;
  /** Header names by request slot (slots 0–2 are fixed). */
  readonly #slotNames: string[];
  readonly #slotValues: (string | undefined)[];
  readonly #totalWeights: Float64Array;
  /** 1 where a route has exactly one target: no selection needed. */
  readonly #singleTarget: Uint8Array;
  /** Per route, where its cumulative weights sit in WASM memory, and how many there are. */
  readonly #weightAddresses: Float64Array;
  readonly #targetCounts: Uint32Array;
  readonly #raw: CoreExports;
  /** Per route, the frozen results for "no target" then each target: match() allocates nothing. */
  readonly #results: RouteMatch[][];
  /** Per route, its only possible result (single target, or no target at all), else null. */
  readonly #fixedResults: (RouteMatch | null)[];
  #lastAuthority = "";
  #afterAuthority = 0;

  private constructor(scratch: Scratch, handle: number, table: NormalizedTable, slotNames: string[]) {
    this.#scratch = scratch;
    this.#handle = handle;
    this.#table = table;
    this.#slotNames = slotNames;
    this.#slotValues = new Array<string | undefined>(slotNames.length).fill(undefined);
    this.#totalWeights = Float64Array.from(table.routes, (route) => route.totalWeight);
    this.#singleTarget = Uint8Array.from(table.routes, (route) => (route.targets.length === 1 ? 1 : 0));
    this.#raw = scratch.exports;
    const weightsBase = this.#raw.tableWeightsAddress(handle);
    let weightIndex = 0;
    this.#weightAddresses = Float64Array.from(table.routes, (route) => {
      const address = weightsBase + 4 * weightIndex;
      weightIndex += route.targets.length;
      return address;
    });
    this.#targetCounts = Uint32Array.from(table.routes, (route) => route.targets.length);
    this.#results = table.routes.map((route) => {
      const result = (target: number): RouteMatch => Object.freeze({
        virtualHost: route.virtualHost,
        virtualHostName: table.virtualHosts[route.virtualHost]!.name,
        route: route.route,
        routeName: route.name,
        target,
        cluster: target < 0 ? null : route.targets[target]!.cluster,
      });
      return [result(-1), ...route.targets.map((_, target) => result(target))];
    });
    this.#fixedResults = table.routes.map((route, index) => {
      if (route.totalWeight === 0) return this.#results[index]![0]!;
      return route.targets.length === 1 ? this.#results[index]![1]! : null;
    });
  }

  /**
   * Compiles `spec` into WASM memory; throws RouteTableError for specs it cannot honour (bad regexes, two path
   * specifiers, unsupported matcher options), naming the field.
   *
   * @example
   * const table = RouteTable.compile({ virtualHosts: [{ name: "payments", domains: ["payments.local"],
   *   routes: [{ name: "all", match: { prefix: "/" }, route: { cluster: "pay-v1" } }] }] });
   * table.match({ method: "GET", authority: "payments.local", path: "/pay/7" })?.cluster;  // "pay-v1"
   */
  static compile(spec: RouteTableSpec, options: CompileOptions = {}): RouteTable {
    const scratch = scratchOf(coreOrDefault(options.core));
    const table = normalizeTable(spec);
    const slotNames: string[] = [...FIXED_SLOTS];
    const slotOf = (name: string): number => {
      let slot = slotNames.indexOf(name);
      if (slot < 0) slot = slotNames.push(name) - 1;
      return slot;
    };
    const contentTypeSlot = table.routes.some((route) => route.grpc) ? slotOf("content-type") : -1;
    const raw = scratch.exports;
    scratch.owner = null;
    raw.tableBegin(contentTypeSlot, options.maxRegexProgramSize ?? DEFAULT_MAX_REGEX_PROGRAM_SIZE);
    const fail = (where: string): never => {
      throw new RouteTableError(`${where}: ${scratch.lastError()}`);
    };
    try {
      RouteTable.#build(scratch, table, slotOf, fail);
    } catch (error) {
      raw.tableAbandon();
      throw error;
    }
    return new RouteTable(scratch, raw.tableFinish(), table, slotNames);
  }

  static #build(scratch: Scratch, table: NormalizedTable, slotOf: (name: string) => number, fail: (where: string) => never): void {
    const raw = scratch.exports;
    let routeIndex = 0;
    table.virtualHosts.forEach((host, hostIndex) => {
      raw.tableAddVirtualHost();
      for (const domain of host.domains) {
        if (raw.tableAddDomain(scratch.writeString(domain)) !== 1) fail(`virtualHosts[${hostIndex}].domains "${domain}"`);
      }
      for (; routeIndex < table.routes.length && table.routes[routeIndex]!.virtualHost === hostIndex; routeIndex++) {
        const route = table.routes[routeIndex]!;
        const where = `virtualHosts[${hostIndex}].routes[${route.route}]`;
        const pathLength = scratch.writeString(route.path.value);
        if (raw.tableAddRoute(PATH_KIND[route.path.kind], route.path.caseSensitive ? 1 : 0, route.grpc ? 1 : 0, pathLength) !== 1) {
          fail(`${where}.match.safeRegex`);
        }
        route.headers.forEach((header, i) => {
          const slot = slotOf(header.name);
          const invert = header.invert ? 1 : 0;
          if (header.kind === "range") raw.tableAddHeaderRange(slot, invert, header.start, header.end);
          else if (header.kind === "present") raw.tableAddHeaderPresent(slot, invert, header.present ? 1 : 0);
          else {
            const length = scratch.writeString(header.match.value);
            const kind = STRING_KIND[header.match.kind];
            if (raw.tableAddHeaderValue(slot, invert, kind, header.match.ignoreCase ? 1 : 0, length) !== 1) {
              fail(`${where}.match.headers[${i}]`);
            }
          }
        });
        route.queryParameters.forEach((query, i) => {
          const value = query.match?.value ?? "";
          scratch.reserve(3 * (query.name.length + value.length));
          const nameLength = scratch.writeText(query.name, 0);
          const valueLength = scratch.writeText(value, nameLength);
          const kind = query.match === null ? -1 : STRING_KIND[query.match.kind];
          if (raw.tableAddQueryParameter(nameLength, kind, query.match?.ignoreCase ? 1 : 0, valueLength) !== 1) {
            fail(`${where}.match.queryParameters[${i}]`);
          }
        });
        for (const target of route.targets) raw.tableAddTarget(target.weight);
      }
    });
  }

  /** The normalised spec this table was compiled from. */
  get spec(): NormalizedTable {
    return this.#table;
  }

  /** Header names (lower-case) whose values a request must supply, besides method, authority and path. */
  get referencedHeaders(): readonly string[] {
    return this.#slotNames.slice(FIXED_SLOTS.length);
  }

  #writeRequest(request: RouteRequest): void {
    if (this.#handle < 0) throw new Error("route table used after dispose()");
    const scratch = this.#scratch;
    const names = this.#slotNames;
    const values = this.#slotValues;
    const slotCount = names.length;
    const { method, authority, path } = request;
    let textUnits = method.length + authority.length + path.length;
    for (let slot = FIXED_SLOTS.length; slot < slotCount; slot++) {
      const value = requestHeaderValue(request, names[slot]!);
      values[slot] = value;
      if (value !== undefined) textUnits += value.length;
    }
    // Layout: slot table, then the authority at a fixed offset so that a repeated authority (gateways see few)
    // need not be rewritten while this table still owns the scratch contents, then everything else.
    const authorityOffset = slotCount * SLOT_BYTES;
    scratch.reserve(authorityOffset + textUnits * 3);
    let offset: number;
    if (scratch.owner === this && authority === this.#lastAuthority) {
      offset = this.#afterAuthority;
    } else {
      offset = scratch.writeSlot(1, authority, authorityOffset);
      this.#lastAuthority = authority;
      this.#afterAuthority = offset;
      scratch.owner = this;
    }
    offset = scratch.writeSlot(0, method, offset);
    offset = scratch.writeSlot(2, path, offset);
    for (let slot = FIXED_SLOTS.length; slot < slotCount; slot++) {
      const value = values[slot];
      if (value === undefined) scratch.setSlot(slot, 0, ABSENT);
      else offset = scratch.writeSlot(slot, value, offset);
    }
  }

  #result(routeIndex: number, randomOrHash: number | bigint | undefined): RouteMatch {
    // One load for routes whose target needs no choosing: at 10,000 routes every extra lookup is a cache miss.
    const fixed = this.#fixedResults[routeIndex]!;
    if (fixed !== null) return fixed;
    return this.#results[routeIndex]![this.#pick(routeIndex, randomOrHash) + 1]!;
  }

  #pick(routeIndex: number, randomOrHash: number | bigint | undefined): number {
    const total = this.#totalWeights[routeIndex]!;
    if (total === 0) return -1;
    if (this.#singleTarget[routeIndex] === 1) return 0;
    const value = randomOrHash ?? Math.random();
    // The common case (a random number) inline; weightSelector handles hashes and refuses bad values.
    const selector = typeof value === "number" && value >= 0 && value < 1 ? Math.floor(value * total) : weightSelector(value, total);
    return this.#raw.pickAt(this.#weightAddresses[routeIndex]!, this.#targetCounts[routeIndex]!, selector);
  }

  /**
   * The virtual host, route and target for `request`, or null when nothing matches. Weighted targets are chosen
   * with `randomOrHash`: a random number in [0, 1) or an integer hash for sticky splits (default Math.random()).
   * The result is a shared frozen object (one per route and target), so matching allocates nothing.
   */
  match(request: RouteRequest, randomOrHash?: number | bigint): Readonly<RouteMatch> | null {
    this.#writeRequest(request);
    const routeIndex = this.#raw.tableMatch(this.#handle);
    return routeIndex < 0 ? null : this.#result(routeIndex, randomOrHash);
  }

  /** Like match, but only the route's position in table order (all virtual hosts), or -1: no allocation. */
  matchIndex(request: RouteRequest): number {
    this.#writeRequest(request);
    return this.#raw.tableMatch(this.#handle);
  }

  /** The target of the route at `routeIndex` (table order) for `randomOrHash`, entirely inside WASM. */
  pickTarget(routeIndex: number, randomOrHash: number | bigint): number {
    if (this.#handle < 0) throw new Error("route table used after dispose()");
    return this.#pick(routeIndex, randomOrHash);
  }

  /** Every route considered for `request`, in order, with the matcher that failed; for humans. */
  explain(request: RouteRequest, randomOrHash?: number | bigint): Explanation {
    this.#writeRequest(request);
    const wordCount = this.#raw.tableExplain(this.#handle);
    const words = this.#scratch.readWords(wordCount);
    const virtualHost = words[0]!;
    const routes: RouteExplanation[] = [];
    let match: Readonly<RouteMatch> | null = null;
    for (let i = 0; i < words[1]!; i++) {
      const routeIndex = words[2 + 3 * i]!;
      const failure = words[3 + 3 * i]!;
      const matcher = words[4 + 3 * i]!;
      const route = this.#table.routes[routeIndex]!;
      const entry: RouteExplanation = { virtualHost: route.virtualHost, route: route.route, routeName: route.name, matched: failure === FAILURE_NONE };
      if (failure === FAILURE_NONE) match = this.#result(routeIndex, randomOrHash);
      else entry.failed = describeFailure(route, failure, matcher, request);
      routes.push(entry);
    }
    return {
      virtualHost,
      virtualHostName: virtualHost < 0 ? null : this.#table.virtualHosts[virtualHost]!.name,
      routes,
      match,
    };
  }

  /** Releases the table's WASM memory for reuse. The table cannot be used afterwards. */
  dispose(): void {
    if (this.#handle < 0) return;
    this.#raw.tableDispose(this.#handle);
    this.#handle = -1;
  }
}

function describeString(match: NormalizedStringMatch): string {
  const what = match.kind === "regex" ? "regex" : match.kind;
  return `${what} ${JSON.stringify(match.value)}${match.ignoreCase ? " (ignoring case)" : ""}`;
}

function describeHeader(header: NormalizedHeaderMatch): string {
  const inverted = header.invert ? "not " : "";
  if (header.kind === "range") return `${inverted}in range [${header.start}, ${header.end})`;
  if (header.kind === "present") return header.present !== header.invert ? "present" : "absent";
  return `${inverted}${describeString(header.match)}`;
}

function describeFailure(route: NormalizedRoute, failure: number, matcher: number, request: RouteRequest): string {
  if (failure === FAILURE_PATH) {
    const kind = route.path.kind === "exact" ? "path" : route.path.kind;
    const folding = route.path.caseSensitive ? "" : " (ignoring case)";
    return `path: ${kind} ${JSON.stringify(route.path.value)}${folding} does not match ${JSON.stringify(request.path)}`;
  }
  if (failure === FAILURE_GRPC) return "grpc: content-type is not application/grpc";
  if (failure === FAILURE_HEADER) {
    const header = route.headers[matcher]!;
    const actual = requestHeaderValue(request, header.name);
    const seen = actual === undefined ? "absent" : JSON.stringify(actual);
    return `header ${JSON.stringify(header.name)}: expected ${describeHeader(header)}, got ${seen}`;
  }
  const query = route.queryParameters[matcher]!;
  const expected = query.match === null ? "present" : describeString(query.match);
  return `query parameter ${JSON.stringify(query.name)}: expected ${expected}`;
}
