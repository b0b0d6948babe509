// Pieces of earlier translations of one mesh kept for the translators of its later snapshots. A piece is found again
// when it is asked for under the same key and stamp (dependency-stamps.ts): what it is built from did not change, so
// the translator hands out the very same message objects, which the cache has already packed and encoded. Pieces
// nobody asked for during the last few snapshots are dropped, so the memo holds about one generation of the mesh.
//
// Everything a memo hands out is shared between nodes and snapshots: callers must not mutate it.

/** Snapshots a piece survives without being asked for. */
const KEEP_GENERATIONS = 4;

interface Entry<V> {
  stamp: string;
  value: V;
  usedIn: number;
}

/** One kind of piece: key → the value built under the latest stamp asked for. */
export class StampedPieces<V> {
  readonly #entries = new Map<string, Entry<V>>();
  #generation = 0;
  /** Values built rather than found (tests and benchmarks see the reuse through this). */
  builds = 0;

  get(key: string, stamp: string, build: () => V): V {
    const entry = this.#entries.get(key);
    if (entry && entry.stamp === stamp) {
      entry.usedIn = this.#generation;
      return entry.value;
    }
    const value = build();
    this.builds++;
    this.#entries.set(key, { stamp, value, usedIn: this.#generation });
    return value;
  }

  /** A new snapshot's translation begins: forget what the last few did not use. */
  nextGeneration(): void {
    this.#generation++;
    const oldest = this.#generation - KEEP_GENERATIONS;
    for (const [key, entry] of this.#entries) if (entry.usedIn < oldest) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Small integer ids for message objects, so that a memo key can name "these very virtual hosts". */
const objectIds = new WeakMap<object, number>();
let lastObjectId = 0;
export function objectId(value: object): number {
  let id = objectIds.get(value);
  if (id === undefined) objectIds.set(value, (id = ++lastObjectId));
  return id;
}
