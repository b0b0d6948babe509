// Which host of a set takes the next attempt, by the cluster's lb_policy: round robin, random, least request (the
// best of `choiceCount` random hosts by requests in flight), ring hash and Maglev (consistent hashing on the
// request's hash, so one key keeps reaching one host while the hosts stay). Hosts arrive already filtered by
// priority, locality, health and panic mode (host-set.ts).
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers
import type { LoadBalancerConfig } from "./config/cluster-config.js";

/** What a load balancer needs of a host. */
export interface BalancedHost {
  readonly key: string;
  /** Requests in flight to this host (least request). */
  activeRequests: number;
}

/** 32-bit FNV-1a: the gateway's key hash for rings, tables and request hashes (Envoy uses xxHash; only stability matters here). */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Final avalanche (murmur3's fmix32), so that near keys spread over the ring.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** Maglev's table size: a prime well above the host count (Envoy's default 65537). */
const MAGLEV_TABLE_SIZE = 65537;

/** A consistent-hash table over a set of host keys, rebuilt only when the keys change. */
interface HashTable {
  readonly keys: string;
  /** The host key for a request hash (ring: the first point at or after it; Maglev: its slot). */
  lookup(hash: number, walk: number): string;
}

function buildRing(keys: readonly string[], config: LoadBalancerConfig): HashTable {
  const perHost = Math.max(1, Math.min(Math.ceil(config.minimumRingSize / keys.length), Math.floor(config.maximumRingSize / keys.length)));
  const points: { hash: number; key: string }[] = [];
  for (const key of keys) for (let i = 0; i < perHost; i++) points.push({ hash: hash32(`${key}_${i}`), key });
  points.sort((a, b) => a.hash - b.hash || (a.key < b.key ? -1 : 1));
  return {
    keys: keys.join("\n"),
    lookup(hash, walk) {
      let low = 0;
      let high = points.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (points[mid]!.hash < hash) low = mid + 1;
        else high = mid;
      }
      return points[(low + walk) % points.length]!.key;
    },
  };
}

/** Maglev (Eisenbud et al., NSDI 2016, §3.4): each host fills the table along its own permutation, in turns. */
function buildMaglev(keys: readonly string[]): HashTable {
  const table: number[] = new Array<number>(MAGLEV_TABLE_SIZE).fill(-1);
  const offsets = keys.map((key) => hash32(key, 0x9747b28c) % MAGLEV_TABLE_SIZE);
  const skips = keys.map((key) => (hash32(key, 0x5bd1e995) % (MAGLEV_TABLE_SIZE - 1)) + 1);
  const next = keys.map(() => 0);
  let filled = 0;
  while (filled < MAGLEV_TABLE_SIZE) {
    for (let host = 0; host < keys.length && filled < MAGLEV_TABLE_SIZE; host++) {
      let slot = (offsets[host]! + next[host]! * skips[host]!) % MAGLEV_TABLE_SIZE;
      while (table[slot] !== -1) {
        next[host]!++;
        slot = (offsets[host]! + next[host]! * skips[host]!) % MAGLEV_TABLE_SIZE;
      }
      table[slot] = host;
      next[host]!++;
      filled++;
    }
  }
  return { keys: keys.join("\n"), lookup: (hash, walk) => keys[table[(hash + walk) % MAGLEV_TABLE_SIZE]!]! };
}

export class LoadBalancer {
  #config: LoadBalancerConfig;
  #next = 0;
  #table: HashTable | undefined;
  readonly #random: () => number;

  constructor(config: LoadBalancerConfig, random: () => number = Math.random) {
    this.#config = config;
    this.#random = random;
  }

  set config(config: LoadBalancerConfig) {
    if (config.policy !== this.#config.policy || config.minimumRingSize !== this.#config.minimumRingSize) this.#table = undefined;
    this.#config = config;
  }

  get hashing(): boolean {
    return this.#config.policy === "RING_HASH" || this.#config.policy === "MAGLEV";
  }

  /**
   * One host of `pool` (non-empty), avoiding `exclude` for up to `attempts` selections. `all` is every host of the
   * cluster (consistent hashing tables are built over all of them, so that a host's health does not move keys);
   * `usable` says whether a hashed host may take the request.
   */
  pick<H extends BalancedHost>(pool: readonly H[], all: readonly H[], usable: (host: H) => boolean, exclude: ReadonlySet<string> | undefined, attempts: number, hash: number | undefined): H {
    // First attempts (no exclusions) take the first choice: no closure, no lookups.
    if (exclude === undefined && !(this.hashing && hash !== undefined)) return this.#choose(pool);
    const allowed = (host: H) => !exclude?.has(host.key);
    if (this.hashing && hash !== undefined) {
      const table = this.#tableFor(all);
      const byKey = new Map(all.map((host) => [host.key, host]));
      // Walk from the key's host to the next usable one that is not excluded (Envoy's ring hash does the same).
      for (let walk = 0; walk < Math.min(all.length * 8, 512); walk++) {
        const host = byKey.get(table.lookup(hash, walk));
        if (host && usable(host) && (walk >= attempts || allowed(host))) return host;
      }
    }
    let chosen: H | undefined;
    for (let attempt = 0; attempt < Math.max(1, attempts); attempt++) {
      chosen = this.#choose(pool);
      if (allowed(chosen)) return chosen;
    }
    return pool.find(allowed) ?? chosen!;
  }

  #choose<H extends BalancedHost>(pool: readonly H[]): H {
    switch (this.#config.policy) {
      case "RANDOM":
      case "RING_HASH":
      case "MAGLEV":
        // Consistent-hash policies without a hash (no hash policy matched) pick at random, as Envoy does.
        return pool[Math.floor(this.#random() * pool.length)]!;
      case "LEAST_REQUEST": {
        let best = pool[Math.floor(this.#random() * pool.length)]!;
        for (let choice = 1; choice < this.#config.choiceCount; choice++) {
          const candidate = pool[Math.floor(this.#random() * pool.length)]!;
          if (candidate.activeRequests < best.activeRequests) best = candidate;
        }
        return best;
      }
      default:
        return pool[this.#next++ % pool.length]!;
    }
  }

  #tableFor(all: readonly BalancedHost[]): HashTable {
    const keys = all.map((host) => host.key).sort();
    const joined = keys.join("\n");
    if (this.#table?.keys !== joined) this.#table = this.#config.policy === "MAGLEV" ? buildMaglev(keys) : buildRing(keys, this.#config);
    return this.#table;
  }
}
