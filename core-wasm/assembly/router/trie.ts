// Byte trie over literal path prefixes, exact paths and regex literal prefixes. Every virtual host has two roots
// (case-sensitive, and ASCII-lower-cased for caseSensitive: false); all nodes share one child table. Lookups read
// raw memory through cached addresses: matching touches no managed references, so it pays no GC bookkeeping.
//
// Child table: open addressing, linear probing, capacity a power of two. The slot is the top bits of a Fibonacci
// hash: the low bits of key × constant depend only on the key's low bits, which would pile siblings together.
//
//   keys[i]   = parent × 256 + byte + 1   (0: empty slot)
//   values[i] = child node id
//
// Route lists, after freeze(): one i32 array holding every node's lists back to back, and per node 4 i32 words
//
//   word 0        word 1       word 2       word 3
//   ┌────────────┬────────────┬────────────┬────────────┐
//   │ prefixStart│ prefixEnd  │ exactStart │ exactEnd   │   indices into routeIds; start == end: empty list
//   └────────────┴────────────┴────────────┴────────────┘
//   Lists are ascending route indices: routes are inserted in declaration order.
const NODE_LIST_BYTES: usize = 16;
const FIBONACCI_HASH: u32 = 0x9e3779b1;

export class PathTrie {
  private keys: StaticArray<u32> = new StaticArray<u32>(1024);
  private values: StaticArray<i32> = new StaticArray<i32>(1024);
  keysAddress: usize = changetype<usize>(this.keys);
  valuesAddress: usize = changetype<usize>(this.values);
  mask: u32 = 1023;
  /** 32 − log2(capacity). */
  shift: u32 = 22;
  private used: i32 = 0;
  /** Deepest node: bounds how many lists one walk can collect. */
  maxDepth: i32 = 0;
  private depths: Array<i32> = [];
  private prefixLists: Array<Array<i32> | null> = [];
  private exactLists: Array<Array<i32> | null> = [];

  private routeIds: StaticArray<i32> = new StaticArray<i32>(0);
  private nodeLists: StaticArray<i32> = new StaticArray<i32>(0);
  routeIdsAddress: usize = 0;
  nodeListsAddress: usize = 0;

  newNode(depth: i32 = 0): i32 {
    this.prefixLists.push(null);
    this.exactLists.push(null);
    this.depths.push(depth);
    if (depth > this.maxDepth) this.maxDepth = depth;
    return this.prefixLists.length - 1;
  }

  child(node: i32, byte: i32): i32 {
    return childAt(this.keysAddress, this.valuesAddress, this.mask, this.shift, node, byte);
  }

  /** The node for `bytes` below `root`, created as needed. */
  insert(root: i32, bytes: StaticArray<u8>): i32 {
    let node = root;
    for (let i = 0; i < bytes.length; i++) {
      const byte = <i32>bytes[i];
      let next = this.child(node, byte);
      if (next < 0) {
        next = this.newNode(this.depths[node] + 1);
        this.setChild(node, byte, next);
      }
      node = next;
    }
    return node;
  }

  addPrefixRoute(node: i32, route: i32): void {
    let list = this.prefixLists[node];
    if (list == null) {
      list = [];
      this.prefixLists[node] = list;
    }
    list.push(route);
  }

  addExactRoute(node: i32, route: i32): void {
    let list = this.exactLists[node];
    if (list == null) {
      list = [];
      this.exactLists[node] = list;
    }
    list.push(route);
  }

  /** Flattens the route lists into the raw layout drawn above; the trie is read-only afterwards. */
  freeze(): void {
    const nodeCount = this.prefixLists.length;
    let total = 0;
    for (let node = 0; node < nodeCount; node++) {
      const prefix = this.prefixLists[node];
      const exact = this.exactLists[node];
      if (prefix != null) total += prefix.length;
      if (exact != null) total += exact.length;
    }
    const routeIds = new StaticArray<i32>(total);
    const nodeLists = new StaticArray<i32>(nodeCount * 4);
    let next = 0;
    for (let node = 0; node < nodeCount; node++) {
      next = appendList(routeIds, nodeLists, node * 4, this.prefixLists[node], next);
      next = appendList(routeIds, nodeLists, node * 4 + 2, this.exactLists[node], next);
    }
    this.routeIds = routeIds;
    this.nodeLists = nodeLists;
    this.routeIdsAddress = changetype<usize>(routeIds);
    this.nodeListsAddress = changetype<usize>(nodeLists);
    this.prefixLists = [];
    this.exactLists = [];
    this.depths = [];
  }

  private setChild(node: i32, byte: i32, child: i32): void {
    if ((this.used + 1) * 2 > this.keys.length) this.grow();
    const key = <u32>(node * 256 + byte + 1);
    let slot = (key * FIBONACCI_HASH) >>> this.shift;
    while (this.keys[slot] != 0) slot = (slot + 1) & this.mask;
    this.keys[slot] = key;
    this.values[slot] = child;
    this.used++;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const capacity = oldKeys.length * 2;
    this.keys = new StaticArray<u32>(capacity);
    this.values = new StaticArray<i32>(capacity);
    this.keysAddress = changetype<usize>(this.keys);
    this.valuesAddress = changetype<usize>(this.values);
    this.shift--;
    this.mask = <u32>capacity - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i];
      if (key == 0) continue;
      let slot = (key * FIBONACCI_HASH) >>> this.shift;
      while (this.keys[slot] != 0) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.values[slot] = oldValues[i];
    }
  }
}

/** The child of `node` by `byte` in the table at `keys`/`values`, or -1: plain numbers in, so no GC bookkeeping. */
// @ts-ignore: decorator
@inline
export function childAt(keys: usize, values: usize, mask: u32, shift: u32, node: i32, byte: i32): i32 {
  const key = <u32>(node * 256 + byte + 1);
  let slot = (key * FIBONACCI_HASH) >>> shift;
  while (true) {
    const found = load<u32>(keys + (<usize>slot << 2));
    if (found == key) return load<i32>(values + (<usize>slot << 2));
    if (found == 0) return -1;
    slot = (slot + 1) & mask;
  }
}

/** Word `word` (see the layout above) of `node`'s entry in the frozen list table at `nodeLists`. */
// @ts-ignore: decorator
@inline
export function listWordAt(nodeLists: usize, node: i32, word: i32): i32 {
  return load<i32>(nodeLists + <usize>node * NODE_LIST_BYTES + (<usize>word << 2));
}

function appendList(routeIds: StaticArray<i32>, nodeLists: StaticArray<i32>, word: i32, list: Array<i32> | null, next: i32): i32 {
  nodeLists[word] = next;
  if (list != null) {
    for (let i = 0; i < list.length; i++) routeIds[next++] = list[i];
  }
  nodeLists[word + 1] = next;
  return next;
}
