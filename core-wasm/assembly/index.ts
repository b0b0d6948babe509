// The module's exports: only numbers cross the boundary. Strings come in as UTF-8 in the scratch buffer
// (scratch.ts); results are indices, and error messages are written back into the scratch buffer on request.
import { scratchBase, scratchSize, reserveScratch, writeStringToScratch } from "./scratch";
import { compilePattern, regexError } from "./regex/index";
import { Matcher, stepCount } from "./regex/vm";
import { StringMatcher, StringKind, copyBytes } from "./router/strings";
import { RouteTable, Route, PathKind, HeaderMatcher, HeaderKind, QueryParameterMatcher, Failure, candidatesExamined } from "./router/table";

export { scratchBase, scratchSize, reserveScratch };

let lastError: string = "";

// Memory: the module is built with AssemblyScript's minimal runtime, whose collector never scans the stack (so the
// hot path keeps no shadow stack) and runs only when called. Exports that leave garbage call collectGarbage() as
// they return, when nothing they allocated is still held by a local: live data hangs off the globals.
let pagesAtLastCollection: i32 = 0;

function collectGarbage(force: bool): void {
  // Collect when memory had to grow since the last collection (garbage then exceeds the free space), so that
  // cheap calls like checkRegex do not pay a full mark-and-sweep each time, yet memory stays bounded.
  if (force || memory.size() > pagesAtLastCollection) {
    __collect();
    pagesAtLastCollection = memory.size();
  }
}

/** Writes the last error message into the scratch buffer and returns its byte length. */
export function errorMessage(): i32 {
  const length = writeStringToScratch(lastError);
  collectGarbage(false);
  return length;
}

// ── Regular expressions ─────────────────────────────────────────────────────────────────────────────────────────

const regexes = new Array<Matcher | null>();

/** Checks the pattern in scratch[0, length): 1 when valid, 0 with errorMessage() set otherwise. */
export function regexCheck(length: i32, maxProgramSize: i32): i32 {
  const ok = compilePattern(scratchBase(), length, maxProgramSize) != null;
  if (!ok) lastError = regexError;
  collectGarbage(false);
  return ok ? 1 : 0;
}

/** Compiles the pattern in scratch[0, length) into a handle, or -1 with errorMessage() set. */
export function regexCompile(length: i32, maxProgramSize: i32): i32 {
  const matcher = compilePattern(scratchBase(), length, maxProgramSize);
  if (matcher == null) {
    lastError = regexError;
    collectGarbage(false);
    return -1;
  }
  const handle = storeHandle(changetype<Matcher | null>(matcher), regexes);
  collectGarbage(false);
  return handle;
}

/** Whether scratch[0, length) as a whole matches the regex: 1 or 0. */
export function regexFullMatch(handle: i32, length: i32): i32 {
  return regexes[handle]!.fullMatch(scratchBase(), length) ? 1 : 0;
}

export function regexProgramSize(handle: i32): i32 {
  return regexes[handle]!.instructionCount;
}

export function regexDispose(handle: i32): void {
  regexes[handle] = null;
  collectGarbage(false);
}

/** Regex VM instructions executed since the module started: a deterministic measure of matching work. */
export function regexSteps(): f64 {
  return <f64>stepCount;
}

function storeHandle<T>(value: T, into: Array<T>): i32 {
  for (let i = 0; i < into.length; i++) {
    if (into[i] == null) {
      into[i] = value;
      return i;
    }
  }
  into.push(value);
  return into.length - 1;
}

// ── Route tables: built by a sequence of calls, then frozen into a handle ───────────────────────────────────────

const tables = new Array<RouteTable | null>();
let building: RouteTable | null = null;
let buildingRoute: Route | null = null;
let maxRegexProgramSize: i32 = 1000;

export function tableBegin(contentTypeSlot: i32, maxProgramSize: i32): void {
  const table = new RouteTable();
  table.contentTypeSlot = contentTypeSlot;
  building = table;
  buildingRoute = null;
  maxRegexProgramSize = maxProgramSize;
}

export function tableAddVirtualHost(): i32 {
  return building!.addVirtualHost();
}

/** Adds the domain in scratch[0, length) to the last virtual host: 1, or 0 for a misplaced wildcard. */
export function tableAddDomain(length: i32): i32 {
  const table = building!;
  if (table.addDomain(table.virtualHosts.length - 1, copyBytes(scratchBase(), length, true))) return 1;
  lastError = "a domain may hold one wildcard, as its first or last character";
  return 0;
}

/** Starts a route of the last virtual host; its path literal or regex is scratch[0, length). Returns 1 or 0. */
export function tableAddRoute(pathKind: i32, caseSensitive: i32, grpc: i32, length: i32): i32 {
  const table = building!;
  let regex: Matcher | null = null;
  if (pathKind == PathKind.Regex) {
    regex = compilePattern(scratchBase(), length, maxRegexProgramSize);
    if (regex == null) {
      lastError = regexError;
      return 0;
    }
  }
  const literal = pathKind == PathKind.Regex ? new StaticArray<u8>(0) : copyBytes(scratchBase(), length, caseSensitive == 0);
  const route = new Route(table.virtualHosts.length - 1, pathKind, caseSensitive != 0, literal, regex, grpc != 0);
  table.addRoute(route);
  buildingRoute = route;
  return 1;
}

function stringMatcherFromScratch(offset: i32, kind: i32, ignoreCase: i32, length: i32): StringMatcher | null {
  const ptr = scratchBase() + <usize>offset;
  if (kind == StringKind.Regex) {
    const regex = compilePattern(ptr, length, maxRegexProgramSize);
    if (regex == null) {
      lastError = regexError;
      return null;
    }
    return new StringMatcher(StringKind.Regex, false, new StaticArray<u8>(0), regex);
  }
  return new StringMatcher(<StringKind>kind, ignoreCase != 0, copyBytes(ptr, length, ignoreCase != 0), null);
}

/** A string header matcher on `slot`; the value is scratch[0, length). Returns 1, or 0 for a bad regex. */
export function tableAddHeaderValue(slot: i32, invert: i32, kind: i32, ignoreCase: i32, length: i32): i32 {
  const value = stringMatcherFromScratch(0, kind, ignoreCase, length);
  if (value == null) return 0;
  const matcher = new HeaderMatcher(slot, HeaderKind.Value, invert != 0);
  matcher.value = value;
  buildingRoute!.headers.push(matcher);
  return 1;
}

export function tableAddHeaderRange(slot: i32, invert: i32, start: i64, end: i64): void {
  const matcher = new HeaderMatcher(slot, HeaderKind.Range, invert != 0);
  matcher.rangeStart = start;
  matcher.rangeEnd = end;
  buildingRoute!.headers.push(matcher);
}

export function tableAddHeaderPresent(slot: i32, invert: i32, present: i32): void {
  const matcher = new HeaderMatcher(slot, HeaderKind.Present, invert != 0);
  matcher.present = present != 0;
  buildingRoute!.headers.push(matcher);
}

/**
 * A query parameter matcher: name in scratch[0, nameLength), value in scratch[nameLength, nameLength + valueLength).
 * kind < 0: presence only. Returns 1, or 0 for a bad regex.
 */
export function tableAddQueryParameter(nameLength: i32, kind: i32, ignoreCase: i32, valueLength: i32): i32 {
  let value: StringMatcher | null = null;
  if (kind >= 0) {
    value = stringMatcherFromScratch(nameLength, kind, ignoreCase, valueLength);
    if (value == null) return 0;
  }
  buildingRoute!.queryParameters.push(new QueryParameterMatcher(copyBytes(scratchBase(), nameLength, false), value));
  return 1;
}

export function tableAddTarget(weight: u32): void {
  const weights = buildingRoute!.cumulativeWeights;
  const total = weights.length > 0 ? weights[weights.length - 1] : 0;
  weights.push(total + weight);
}

export function tableFinish(): i32 {
  const table = building!;
  building = null;
  buildingRoute = null;
  table.freeze();
  const handle = storeHandle(changetype<RouteTable | null>(table), tables);
  collectGarbage(false);
  return handle;
}

/** Drops the table being built (the host found it invalid). */
export function tableAbandon(): void {
  building = null;
  buildingRoute = null;
  collectGarbage(true);
}

/** Drops a table; the garbage collector reclaims its memory for the next one. */
export function tableDispose(handle: i32): void {
  tables[handle] = null;
  collectGarbage(true);
}

/** Candidate routes examined by tableMatch since the module started: proves the index keeps matching sublinear. */
export function routeCandidatesExamined(): f64 {
  return <f64>candidatesExamined;
}

/** The matching route's index (in declaration order over all virtual hosts), or -1. */
export function tableMatch(handle: i32): i32 {
  const table = unchecked(tables[handle])!;
  const base = scratchBase();
  const virtualHost = table.selectVirtualHost(base);
  if (virtualHost < 0) return -1;
  return table.firstMatchingRoute(virtualHost, base);
}

/** Address of the table's cumulative weights: route r's start after those of routes 0…r-1 (targets in order). */
export function tableWeightsAddress(handle: i32): usize {
  return tables[handle]!.weightsAddress;
}

/**
 * The target for `selector` among `count` cumulative weights at `address` (inside a live table, from
 * tableWeightsAddress). The host keeps each route's address, so a pick needs no table lookup.
 */
export function pickAt(address: usize, count: i32, selector: u32): i32 {
  for (let i = 0; i < count; i++) if (selector < load<u32>(address + (<usize>i << 2))) return i;
  return -1;
}

/** Same choice over `count` u32 weights the host wrote at the start of the scratch buffer. */
export function pickWeighted(count: i32, selector: u32): i32 {
  const base = scratchBase();
  let cumulative: u32 = 0;
  for (let i = 0; i < count; i++) {
    cumulative += load<u32>(base + <usize>(i * 4));
    if (selector < cumulative) return i;
  }
  return -1;
}

// Explain record, written at the start of the scratch buffer (i32 words), after the request values were read:
//
//   word 0        word 1         then per route examined, in order: 3 words
//   ┌────────────┬─────────────┬─────────────┬──────────────┬─────────────────┐
//   │ virtualHost│ routeCount  │ route index │ Failure      │ matcher index   │ …
//   └────────────┴─────────────┴─────────────┴──────────────┴─────────────────┘
//   Examination stops after the first route whose Failure is None.
export function tableExplain(handle: i32): i32 {
  const table = tables[handle]!;
  const base = scratchBase();
  const virtualHost = table.selectVirtualHost(base);
  const records = new Array<i32>();
  records.push(virtualHost);
  records.push(0);
  if (virtualHost >= 0) {
    const routes = table.virtualHosts[virtualHost].routes;
    for (let i = 0; i < routes.length; i++) {
      const failure = table.firstFailure(table.routes[routes[i]], base);
      records.push(routes[i]);
      records.push(failure);
      records.push(failure == Failure.Header || failure == Failure.QueryParameter ? table.failedMatcher : -1);
      records[1] = records[1] + 1;
      if (failure == Failure.None) break;
    }
  }
  reserveScratch(records.length * 4);
  const out = scratchBase();
  for (let i = 0; i < records.length; i++) store<i32>(out + <usize>(i * 4), records[i]);
  const wordCount = records.length;
  collectGarbage(false);
  return wordCount;
}
