// A compiled route table: virtual hosts chosen by authority with Envoy's domain precedence, then the first route
// (in declaration order) whose matchers all hold. Literal paths are indexed in a trie so that only routes whose
// path can match are examined; candidates are still visited in ascending route order, so first-match semantics hold.
import { Char, toLowerAscii } from "../char";
import { Matcher } from "../regex/vm";
import { StringMatcher, bytesEqualAt, parseInt64, parsedInt64Ok } from "./strings";
import { PathTrie, NODE_HEADER_WORDS, EDGE_RECORD_WORDS } from "./trie";
import { slotOffset, slotLength, AUTHORITY_SLOT, PATH_SLOT, ABSENT } from "./request";

export const enum PathKind {
  Prefix,
  Exact,
  Regex,
}

export const enum HeaderKind {
  /** string match on the (joined) value */ Value,
  /** signed 64-bit value in [start, end) */ Range,
  /** presence (present = true) or absence (present = false) */ Present,
}

/** Why a route did not match, as reported by explain. */
export const enum Failure {
  None,
  Path,
  Grpc,
  Header,
  QueryParameter,
}

/** Routes the matcher examined (popped from the candidate lists) since the module started: a test-visible work count. */
export let candidatesExamined: i64 = 0;

export class HeaderMatcher {
  value: StringMatcher | null = null;
  rangeStart: i64 = 0;
  rangeEnd: i64 = 0;
  present: bool = true;
  constructor(public slot: i32, public kind: HeaderKind, public invert: bool) {}

  matches(base: usize): bool {
    const length = slotLength(base, this.slot);
    if (length == ABSENT) {
      // Envoy: a missing header fails every matcher except "absent" (present_match false) and inverted present.
      return this.kind == HeaderKind.Present && this.present == this.invert;
    }
    const ptr = base + <usize>slotOffset(base, this.slot);
    let result = false;
    if (this.kind == HeaderKind.Present) {
      result = this.present;
    } else if (this.kind == HeaderKind.Range) {
      const value = parseInt64(ptr, length);
      result = parsedInt64Ok && value >= this.rangeStart && value < this.rangeEnd;
    } else {
      result = this.value!.matches(ptr, length);
    }
    return result != this.invert;
  }
}

export class QueryParameterMatcher {
  /** null: the parameter only has to be present. */
  constructor(public name: StaticArray<u8>, public value: StringMatcher | null) {}

  /** Envoy's QueryParameterMatcher on the first occurrence of the name; values are not percent-decoded. */
  matches(pathPtr: usize, pathLength: i32): bool {
    let at = 0;
    while (at < pathLength && load<u8>(pathPtr + <usize>at) != Char.Question) at++;
    at++;
    const name = this.name;
    while (at < pathLength) {
      let end = at;
      while (end < pathLength && load<u8>(pathPtr + <usize>end) != Char.Ampersand) end++;
      let equals = at;
      while (equals < end && load<u8>(pathPtr + <usize>equals) != Char.Equals) equals++;
      if (end > at && equals - at == name.length && bytesEqualAt(pathPtr + <usize>at, name, false)) {
        const valueStart = equals < end ? equals + 1 : end;
        const value = this.value;
        return value == null || value.matches(pathPtr + <usize>valueStart, end - valueStart);
      }
      at = end + 1;
    }
    return false;
  }
}

export class Route {
  headers: Array<HeaderMatcher> = [];
  queryParameters: Array<QueryParameterMatcher> = [];
  /** Running sums of target weights: target i is chosen for selectors in [cumulative[i-1], cumulative[i]). */
  cumulativeWeights: Array<u32> = [];
  constructor(
    public virtualHost: i32,
    public pathKind: PathKind,
    public caseSensitive: bool,
    /** Lower-cased when not caseSensitive. */
    public pathLiteral: StaticArray<u8>,
    public pathRegex: Matcher | null,
    public grpc: bool,
  ) {}
}

export class Domain {
  constructor(
    /** Lower-cased, without the wildcard. */
    public text: StaticArray<u8>,
    public virtualHost: i32,
    public hasPort: bool,
  ) {}
}

export class VirtualHost {
  routes: Array<i32> = [];
  constructor(public sensitiveRoot: i32, public insensitiveRoot: i32) {}
}

/** The length of `host` without a trailing `:port` (IPv6 literals keep their brackets). */
export function lengthWithoutPort(ptr: usize, length: i32): i32 {
  let colon = -1;
  for (let i = length - 1; i >= 0; i--) {
    const c = <i32>load<u8>(ptr + <usize>i);
    if (c == Char.Colon) {
      colon = i;
      break;
    }
    if (c < Char.Digit0 || c > Char.Digit9) return length;
  }
  if (colon < 0) return length;
  if (load<u8>(ptr) == Char.OpenBracket) {
    return colon > 0 && load<u8>(ptr + <usize>(colon - 1)) == Char.CloseBracket ? colon : length;
  }
  for (let i = 0; i < colon; i++) if (load<u8>(ptr + <usize>i) == Char.Colon) return length;
  return colon;
}

export class RouteTable {
  virtualHosts: Array<VirtualHost> = [];
  routes: Array<Route> = [];
  exactDomains: Array<Domain> = [];
  // Exact domains by hash, built by freeze(): open addressing, linear probing; entry = index in exactDomains + 1
  // (0: empty). Domains go in in declaration order, so along a probe chain equal texts appear first-declared first.
  private exactDomainSlots: StaticArray<i32> = new StaticArray<i32>(0);
  private exactDomainMask: u32 = 0;
  suffixDomains: Array<Domain> = [];
  prefixDomains: Array<Domain> = [];
  defaultVirtualHost: i32 = -1;
  trie: PathTrie = new PathTrie();
  contentTypeSlot: i32 = -1;
  // Candidate lists of one match, as (next, end) index pairs into the trie's routeIds; sized by freeze() for the
  // deepest walk (two lists per node, two tries), so matching allocates nothing.
  private candidates: StaticArray<i32> = new StaticArray<i32>(0);
  private candidatesAddress: usize = 0;
  /** Per route, 1 when it has matchers beyond its literal path (headers, query, gRPC, regex), else 0. */
  private needsCheck: StaticArray<u8> = new StaticArray<u8>(0);
  private needsCheckAddress: usize = 0;
  // Every route's cumulative weights back to back; route r's are [weightStarts[r], weightStarts[r + 1]).
  private cumulativeWeights: StaticArray<u32> = new StaticArray<u32>(0);
  private weightStarts: StaticArray<i32> = new StaticArray<i32>(0);
  private cumulativeWeightsAddress: usize = 0;

  get weightsAddress(): usize {
    return this.cumulativeWeightsAddress;
  }
  private weightStartsAddress: usize = 0;
  // The frozen trie's raw addresses, copied here so the match loop holds no managed reference.
  private trieTree: usize = 0;
  private trieLabels: usize = 0;
  private trieRouteIds: usize = 0;

  // ── Building ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** Ends building: freezes the trie and sizes the per-match buffers. */
  freeze(): void {
    this.indexExactDomains();
    const trie = this.trie;
    trie.freeze();
    this.trieTree = trie.treeAddress;
    this.trieLabels = trie.labelsAddress;
    this.trieRouteIds = trie.routeIdsAddress;
    for (let i = 0; i < this.virtualHosts.length; i++) {
      const host = this.virtualHosts[i];
      host.sensitiveRoot = trie.radixRoot(host.sensitiveRoot);
      host.insensitiveRoot = trie.radixRoot(host.insensitiveRoot);
    }
    // Two walks (case-sensitive and folded), each meeting at most maxListsPerWalk lists; 2 words per list.
    this.candidates = new StaticArray<i32>(2 * 2 * trie.maxListsPerWalk);
    this.candidatesAddress = changetype<usize>(this.candidates);
    const routeCount = this.routes.length;
    this.needsCheck = new StaticArray<u8>(routeCount);
    for (let i = 0; i < routeCount; i++) {
      const route = this.routes[i];
      const plain = route.pathKind != PathKind.Regex && !route.grpc && route.headers.length == 0 && route.queryParameters.length == 0;
      this.needsCheck[i] = plain ? 0 : 1;
    }
    this.needsCheckAddress = changetype<usize>(this.needsCheck);
    const starts = new StaticArray<i32>(routeCount + 1);
    let weightCount = 0;
    for (let i = 0; i < routeCount; i++) {
      starts[i] = weightCount;
      weightCount += this.routes[i].cumulativeWeights.length;
    }
    starts[routeCount] = weightCount;
    const weights = new StaticArray<u32>(weightCount);
    for (let i = 0; i < routeCount; i++) {
      const own = this.routes[i].cumulativeWeights;
      for (let j = 0; j < own.length; j++) weights[starts[i] + j] = own[j];
    }
    this.cumulativeWeights = weights;
    this.weightStarts = starts;
    this.cumulativeWeightsAddress = changetype<usize>(weights);
    this.weightStartsAddress = changetype<usize>(starts);
  }

  private indexExactDomains(): void {
    let capacity = 8;
    while (capacity < this.exactDomains.length * 2) capacity <<= 1;
    const slots = new StaticArray<i32>(capacity);
    const mask = <u32>capacity - 1;
    for (let i = 0; i < this.exactDomains.length; i++) {
      const text = this.exactDomains[i].text;
      let slot = hashLowerCase(changetype<usize>(text), text.length) & mask;
      while (slots[slot] != 0) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    }
    this.exactDomainSlots = slots;
    this.exactDomainMask = mask;
  }

  /** The first-declared exact domain equal to host[0, length) whose port-ness is `withPort`, or i32.MAX_VALUE. */
  private findExactDomain(host: usize, length: i32, withPort: bool): i32 {
    const slots = this.exactDomainSlots;
    const mask = this.exactDomainMask;
    let slot = hashLowerCase(host, length) & mask;
    while (true) {
      const entry = unchecked(slots[slot]);
      if (entry == 0) return i32.MAX_VALUE;
      const domain = unchecked(this.exactDomains[entry - 1]);
      if (domain.hasPort == withPort && domain.text.length == length && bytesEqualAt(host, domain.text, true)) return entry - 1;
      slot = (slot + 1) & mask;
    }
    // Not reached: asc's flow analysis does not see that the loop above only exits by returning.
    return i32.MAX_VALUE;
  }

  addVirtualHost(): i32 {
    this.virtualHosts.push(new VirtualHost(this.trie.newRoot(), this.trie.newRoot()));
    return this.virtualHosts.length - 1;
  }

  /** `text` is lower-cased; returns false for a wildcard anywhere but the first or last position. */
  addDomain(virtualHost: i32, text: StaticArray<u8>): bool {
    const length = text.length;
    if (length == 1 && text[0] == Char.Asterisk) {
      if (this.defaultVirtualHost < 0) this.defaultVirtualHost = virtualHost;
      return true;
    }
    let wildcards = 0;
    for (let i = 0; i < length; i++) if (text[i] == Char.Asterisk) wildcards++;
    if (wildcards == 0) {
      this.exactDomains.push(new Domain(text, virtualHost, hasPort(text)));
      return true;
    }
    if (wildcards > 1) return false;
    if (text[0] == Char.Asterisk) {
      const rest = slice(text, 1, length);
      this.suffixDomains.push(new Domain(rest, virtualHost, hasPort(rest)));
      return true;
    }
    if (text[length - 1] == Char.Asterisk) {
      const rest = slice(text, 0, length - 1);
      this.prefixDomains.push(new Domain(rest, virtualHost, hasPort(rest)));
      return true;
    }
    return false;
  }

  addRoute(route: Route): i32 {
    const index = this.routes.length;
    this.routes.push(route);
    const host = this.virtualHosts[route.virtualHost];
    host.routes.push(index);
    if (route.pathKind == PathKind.Regex) {
      // Indexed under the regex's literal prefix; the regex itself still runs on every such candidate.
      const node = this.trie.insert(host.sensitiveRoot, route.pathRegex!.literalPrefix);
      this.trie.addPrefixRoute(node, index);
    } else {
      const root = route.caseSensitive ? host.sensitiveRoot : host.insensitiveRoot;
      const node = this.trie.insert(root, route.pathLiteral);
      if (route.pathKind == PathKind.Prefix) this.trie.addPrefixRoute(node, index);
      else this.trie.addExactRoute(node, index);
    }
    return index;
  }

  // ── Matching ─────────────────────────────────────────────────────────────────────────────────────────────────

  selectVirtualHost(base: usize): i32 {
    const hostLength = slotLength(base, AUTHORITY_SLOT);
    if (hostLength == ABSENT) return this.defaultVirtualHost;
    const host = base + <usize>slotOffset(base, AUTHORITY_SLOT);
    const portlessLength = lengthWithoutPort(host, hostLength);
    // A domain with a port is compared with the whole authority, one without with the authority minus its port.
    const withPort = this.findExactDomain(host, hostLength, true);
    const withoutPort = this.findExactDomain(host, portlessLength, false);
    const first = withPort < withoutPort ? withPort : withoutPort;
    if (first != i32.MAX_VALUE) return unchecked(this.exactDomains[first]).virtualHost;
    let best = -1;
    let bestLength = -1;
    const suffixes = this.suffixDomains;
    for (let i = 0; i < suffixes.length; i++) {
      const domain = unchecked(suffixes[i]);
      const length = domain.hasPort ? hostLength : portlessLength;
      const suffixLength = domain.text.length;
      if (length > suffixLength && suffixLength > bestLength &&
          bytesEqualAt(host + <usize>(length - suffixLength), domain.text, true)) {
        best = domain.virtualHost;
        bestLength = suffixLength;
      }
    }
    if (best >= 0) return best;
    const prefixes = this.prefixDomains;
    for (let i = 0; i < prefixes.length; i++) {
      const domain = unchecked(prefixes[i]);
      const length = domain.hasPort ? hostLength : portlessLength;
      const prefixLength = domain.text.length;
      if (length > prefixLength && prefixLength > bestLength && bytesEqualAt(host, domain.text, true)) {
        best = domain.virtualHost;
        bestLength = prefixLength;
      }
    }
    if (best >= 0) return best;
    return this.defaultVirtualHost;
  }

  /** The first route of `virtualHost` that matches the request in scratch, or -1. */
  firstMatchingRoute(virtualHost: i32, base: usize): i32 {
    const host = unchecked(this.virtualHosts[virtualHost]);
    const pathLength = slotLength(base, PATH_SLOT);
    const pathPtr = base + <usize>slotOffset(base, PATH_SLOT);
    const pathOnlyLength = lengthBeforeQuery(pathPtr, pathLength);
    let pairCount = this.collectTrieCandidates(host.sensitiveRoot, pathPtr, pathLength, pathOnlyLength, false, 0);
    pairCount = this.collectTrieCandidates(host.insensitiveRoot, pathPtr, pathLength, pathOnlyLength, true, pairCount);
    const candidates = this.candidatesAddress;
    const routeIds = this.trieRouteIds;
    const needsCheck = this.needsCheckAddress;
    // Merge the ascending candidate lists, lowest route index first.
    while (true) {
      let best = i32.MAX_VALUE;
      let bestPair: usize = -1;
      for (let pair: usize = 0; pair < <usize>pairCount; pair++) {
        const next = load<i32>(candidates + (pair << 3));
        if (next < load<i32>(candidates + (pair << 3), 4)) {
          const candidate = load<i32>(routeIds + (<usize>next << 2));
          if (candidate < best) {
            best = candidate;
            bestPair = pair;
          }
        }
      }
      if (bestPair == -1) return -1;
      candidatesExamined++;
      store<i32>(candidates + (bestPair << 3), load<i32>(candidates + (bestPair << 3)) + 1);
      if (load<u8>(needsCheck + <usize>best) == 0) return best;
      if (this.remainingMatchersHold(best, base, pathPtr, pathLength, pathOnlyLength)) return best;
    }
  }

  private remainingMatchersHold(routeIndex: i32, base: usize, pathPtr: usize, pathLength: i32, pathOnlyLength: i32): bool {
    const route = unchecked(this.routes[routeIndex]);
    // Literal candidates already satisfy their path matcher; regex routes only their literal prefix.
    if (route.pathKind == PathKind.Regex && !route.pathRegex!.fullMatch(pathPtr, pathOnlyLength)) return false;
    return this.firstNonPathFailure(route, base, pathPtr, pathLength) == Failure.None;
  }

  /** Appends (start, end) pairs of the route lists met walking `root` along the path; returns the pair count. */
  private collectTrieCandidates(root: i32, pathPtr: usize, pathLength: i32, pathOnlyLength: i32, foldCase: bool, pairCount: i32): i32 {
    const candidates = this.candidatesAddress;
    const tree = this.trieTree;
    const labels = this.trieLabels;
    let node = tree + (<usize>root << 2);
    let depth = 0;
    while (true) {
      const prefixStart = load<i32>(node, 4);
      const prefixEnd = load<i32>(node, 8);
      if (prefixStart < prefixEnd) {
        store<i32>(candidates + (<usize>pairCount << 3), prefixStart);
        store<i32>(candidates + (<usize>pairCount << 3), prefixEnd, 4);
        pairCount++;
      }
      if (depth == pathOnlyLength) {
        const exactStart = load<i32>(node, 12);
        const exactEnd = load<i32>(node, 16);
        if (exactStart < exactEnd) {
          store<i32>(candidates + (<usize>pairCount << 3), exactStart);
          store<i32>(candidates + (<usize>pairCount << 3), exactEnd, 4);
          pairCount++;
        }
      }
      if (depth == pathLength) return pairCount;
      let byte = <i32>load<u8>(pathPtr + <usize>depth);
      if (foldCase) byte = toLowerAscii(byte);
      const edgeCount = load<i32>(node);
      let edge = node + (<usize>NODE_HEADER_WORDS << 2);
      const edgesEnd = edge + (<usize>(edgeCount * EDGE_RECORD_WORDS) << 2);
      let first = 0;
      while (edge < edgesEnd) {
        first = load<i32>(edge);
        if ((first & 0xff) >= byte) break;
        edge += <usize>EDGE_RECORD_WORDS << 2;
      }
      if (edge == edgesEnd || (first & 0xff) != byte) return pairCount;
      const labelLength = first >>> 8;
      if (depth + labelLength > pathLength) return pairCount;
      const label = labels + <usize>load<i32>(edge, 4);
      for (let i = 1; i < labelLength; i++) {
        let pathByte = <i32>load<u8>(pathPtr + <usize>(depth + i));
        if (foldCase) pathByte = toLowerAscii(pathByte);
        if (pathByte != <i32>load<u8>(label + <usize>i)) return pairCount;
      }
      depth += labelLength;
      node = tree + (<usize>load<i32>(edge, 8) << 2);
    }
    // Not reached: asc's flow analysis does not see that the loop above only exits by returning.
    return pairCount;
  }

  /** Path first, then gRPC, headers and query parameters; the failing matcher's index goes to failedMatcher. */
  firstFailure(route: Route, base: usize): Failure {
    const pathLength = slotLength(base, PATH_SLOT);
    const pathPtr = base + <usize>slotOffset(base, PATH_SLOT);
    if (!pathMatches(route, pathPtr, pathLength)) return Failure.Path;
    return this.firstNonPathFailure(route, base, pathPtr, pathLength);
  }

  failedMatcher: i32 = 0;

  private firstNonPathFailure(route: Route, base: usize, pathPtr: usize, pathLength: i32): Failure {
    if (route.grpc && !this.isGrpcRequest(base)) return Failure.Grpc;
    const headers = route.headers;
    for (let i = 0; i < headers.length; i++) {
      if (!unchecked(headers[i]).matches(base)) {
        this.failedMatcher = i;
        return Failure.Header;
      }
    }
    const queryParameters = route.queryParameters;
    for (let i = 0; i < queryParameters.length; i++) {
      if (!unchecked(queryParameters[i]).matches(pathPtr, pathLength)) {
        this.failedMatcher = i;
        return Failure.QueryParameter;
      }
    }
    return Failure.None;
  }

  /** Envoy's gRPC test: content-type is `application/grpc`, or it followed by `+…` or `;…`. */
  private isGrpcRequest(base: usize): bool {
    if (this.contentTypeSlot < 0) return false;
    const length = slotLength(base, this.contentTypeSlot);
    if (length < GRPC_CONTENT_TYPE.length) return false;
    const ptr = base + <usize>slotOffset(base, this.contentTypeSlot);
    if (!bytesEqualAt(ptr, GRPC_CONTENT_TYPE, false)) return false;
    if (length == GRPC_CONTENT_TYPE.length) return true;
    const after = load<u8>(ptr + <usize>GRPC_CONTENT_TYPE.length);
    return after == Char.Plus || after == Char.Semicolon;
  }
}

const GRPC_CONTENT_TYPE: StaticArray<u8> = [0x61, 0x70, 0x70, 0x6c, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x2f, 0x67, 0x72, 0x70, 0x63]; // application/grpc

/** The path without its query string or fragment: what exact and regex path matchers see. */
export function lengthBeforeQuery(pathPtr: usize, pathLength: i32): i32 {
  for (let i = 0; i < pathLength; i++) {
    const c = load<u8>(pathPtr + <usize>i);
    if (c == Char.Question || c == Char.Hash) return i;
  }
  return pathLength;
}

/** The path matcher on its own, without the trie: used by explain, which examines every route in order. */
export function pathMatches(route: Route, pathPtr: usize, pathLength: i32): bool {
  const ignoreCase = !route.caseSensitive;
  const literal = route.pathLiteral;
  if (route.pathKind == PathKind.Prefix) {
    return pathLength >= literal.length && bytesEqualAt(pathPtr, literal, ignoreCase);
  }
  const pathOnlyLength = lengthBeforeQuery(pathPtr, pathLength);
  if (route.pathKind == PathKind.Exact) {
    return pathOnlyLength == literal.length && bytesEqualAt(pathPtr, literal, ignoreCase);
  }
  return route.pathRegex!.fullMatch(pathPtr, pathOnlyLength);
}

/** FNV-1a over the ASCII-lower-cased bytes. */
function hashLowerCase(ptr: usize, length: i32): u32 {
  let hash: u32 = 0x811c9dc5;
  for (let i = 0; i < length; i++) {
    hash ^= <u32>toLowerAscii(<i32>load<u8>(ptr + <usize>i));
    hash *= 0x01000193;
  }
  return hash;
}

function hasPort(text: StaticArray<u8>): bool {
  return lengthWithoutPort(changetype<usize>(text), text.length) < text.length;
}

function slice(bytes: StaticArray<u8>, from: i32, to: i32): StaticArray<u8> {
  const result = new StaticArray<u8>(to - from);
  for (let i = from; i < to; i++) result[i - from] = bytes[i];
  return result;
}
