// Serialized List pages kept with the stamp of the store they were built from. Lists repeat far more often than
// writes (Terraform refresh, controllers reconciling, the console polling); a page whose stamp still matches the
// store's, read by one point query on every request, is sent as the bytes built last time. The check is against the
// store, never a local invalidation, so replicas sharing one PostgreSQL cannot serve each other's stale pages.

export interface ListPageCache {
  /** The body kept under `key`, when it was built at exactly `stamp`; a hit makes it the most recently used. */
  get(key: string, stamp: string): string | undefined;
  /** Keeps `body`, built at `stamp`, replacing what `key` held; the least recently used go while over the budget. */
  set(key: string, stamp: string, body: string): void;
  /** Counters and the bytes held, for tests and benchmarks. */
  readonly stats: { readonly hits: number; readonly misses: number; readonly evictions: number; readonly bytes: number; readonly entries: number };
}

interface Entry {
  stamp: string;
  body: string;
  bytes: number;
}

/** What an entry costs, counting strings as UTF-16 (what V8 holds at most) plus the map's own share. */
const bytesOf = (key: string, stamp: string, body: string) => 2 * (key.length + stamp.length + body.length) + 64;

/**
 * An LRU of pages within `maxBytes` (a page larger than the budget is not kept; 0 keeps nothing).
 * @example
 *   const cache = createListPageCache({ maxBytes: 8 * 1024 * 1024 });
 *   cache.set("virtualNode/m//100/", "uid:42", body);
 *   cache.get("virtualNode/m//100/", "uid:42"); // body; with "uid:43" undefined
 */
export function createListPageCache({ maxBytes }: { maxBytes: number }): ListPageCache {
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  const entries = new Map<string, Entry>();
  const stats = { hits: 0, misses: 0, evictions: 0, bytes: 0, entries: 0 };

  function remove(key: string, entry: Entry): void {
    entries.delete(key);
    stats.bytes -= entry.bytes;
    stats.entries = entries.size;
  }

  return {
    get(key, stamp) {
      const entry = entries.get(key);
      if (!entry || entry.stamp !== stamp) {
        stats.misses += 1;
        return undefined;
      }
      stats.hits += 1;
      entries.delete(key);
      entries.set(key, entry);
      return entry.body;
    },
    set(key, stamp, body) {
      const previous = entries.get(key);
      if (previous) remove(key, previous);
      const bytes = bytesOf(key, stamp, body);
      if (bytes > maxBytes) return;
      for (const [oldest, entry] of entries) {
        if (stats.bytes + bytes <= maxBytes) break;
        remove(oldest, entry);
        stats.evictions += 1;
      }
      entries.set(key, { stamp, body, bytes });
      stats.bytes += bytes;
      stats.entries = entries.size;
    },
    stats,
  };
}
