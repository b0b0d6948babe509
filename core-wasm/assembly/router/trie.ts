// Path index: literal path prefixes, exact paths and regex literal prefixes, per virtual host two roots
// (case-sensitive, and ASCII-lower-cased for caseSensitive: false).
//
// Building uses a byte trie whose children live in one hash table (open addressing, linear probing, slot = top bits
// of a Fibonacci hash; key = parent × 256 + byte + 1, 0 marks an empty slot). freeze() then compresses it into a
// radix tree in raw memory: chains of nodes with one child and no routes collapse into one edge label, so a walk
// costs one edge lookup per branching point instead of one hash probe per byte, and touches no managed reference.
//
// Frozen radix tree: one i32 array; a node is its header followed by its edges (sorted by first byte), so a step
// down the tree reads one contiguous run of memory. Nodes are addressed by word offset.
//
//   word 0       1             2           3            4          5 + 3e …
//   ┌──────────┬─────────────┬───────────┬────────────┬──────────┬──────────────────────────────┬───
//   │ edgeCount│ prefixStart │ prefixEnd │ exactStart │ exactEnd │ edge e: firstByte | length<<8 │ …
//   └──────────┴─────────────┴───────────┴────────────┴──────────┴──────────────────────────────┴───
//   edge e = 3 words: firstByte | labelLength << 8, labelStart (into labels; the label includes the first byte),
//   target node offset. prefix/exact Start..End: indices into routeIds (ascending route indices; equal: none).
const NODE_WORDS: i32 = 6;
const EDGE_WORDS: i32 = 4;
export const NODE_HEADER_WORDS: i32 = 5;
export const EDGE_RECORD_WORDS: i32 = 3;
const FIBONACCI_HASH: u32 = 0x9e3779b1;

export class PathTrie {
  private keys: StaticArray<u32> = new StaticArray<u32>(1024);
  private values: StaticArray<i32> = new StaticArray<i32>(1024);
  private mask: u32 = 1023;
  /** 32 − log2(capacity). */
  private shift: u32 = 22;
  private used: i32 = 0;
  private isRoot: Array<bool> = [];
  private prefixLists: Array<Array<i32> | null> = [];
  private exactLists: Array<Array<i32> | null> = [];

  /** Frozen form (see the layout above). */
  private tree: StaticArray<i32> = new StaticArray<i32>(0);
  private labels: StaticArray<u8> = new StaticArray<u8>(0);
  private routeIds: StaticArray<i32> = new StaticArray<i32>(0);
  treeAddress: usize = 0;
  labelsAddress: usize = 0;
  routeIdsAddress: usize = 0;
  /** Byte-trie node → radix node, for the roots the virtual hosts hold. */
  private radixOf: StaticArray<i32> = new StaticArray<i32>(0);
  /** The most route lists one walk from one root can meet: bounds the per-match candidate buffer. */
  maxListsPerWalk: i32 = 0;

  newRoot(): i32 {
    const node = this.newNode();
    this.isRoot[node] = true;
    return node;
  }

  private newNode(): i32 {
    this.prefixLists.push(null);
    this.exactLists.push(null);
    this.isRoot.push(false);
    return this.prefixLists.length - 1;
  }

  private child(node: i32, byte: i32): i32 {
    const key = <u32>(node * 256 + byte + 1);
    let slot = (key * FIBONACCI_HASH) >>> this.shift;
    while (true) {
      const found = this.keys[slot];
      if (found == key) return this.values[slot];
      if (found == 0) return -1;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The node for `bytes` below `root`, created as needed. */
  insert(root: i32, bytes: StaticArray<u8>): i32 {
    let node = root;
    for (let i = 0; i < bytes.length; i++) {
      const byte = <i32>bytes[i];
      let next = this.child(node, byte);
      if (next < 0) {
        next = this.newNode();
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

  /** The word offset of the frozen radix node standing for root `node`. */
  radixRoot(node: i32): i32 {
    return this.radixOf[node];
  }

  /** Compresses the byte trie into the frozen radix layout; the trie is read-only afterwards. */
  freeze(): void {
    const nodeCount = this.prefixLists.length;
    // Children of every byte-trie node in CSR form, sorted by byte.
    const childStart = new StaticArray<i32>(nodeCount + 1);
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot];
      if (key != 0) childStart[<i32>((key - 1) >> 8) + 1]++;
    }
    for (let node = 0; node < nodeCount; node++) childStart[node + 1] += childStart[node];
    const childBytes = new StaticArray<i32>(this.used);
    const childNodes = new StaticArray<i32>(this.used);
    const filled = new StaticArray<i32>(nodeCount);
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot];
      if (key == 0) continue;
      const parent = <i32>((key - 1) >> 8);
      let at = childStart[parent] + filled[parent]++;
      const byte = <i32>((key - 1) & 255);
      // Insertion into the parent's sorted run.
      while (at > childStart[parent] && childBytes[at - 1] > byte) {
        childBytes[at] = childBytes[at - 1];
        childNodes[at] = childNodes[at - 1];
        at--;
      }
      childBytes[at] = byte;
      childNodes[at] = this.values[slot];
    }

    const radixOf = new StaticArray<i32>(nodeCount);
    for (let node = 0; node < nodeCount; node++) radixOf[node] = -1;
    const radixTrieNode = new Array<i32>();
    const nodeWords = new Array<i32>();
    const edgeWords = new Array<i32>();
    const labelBytes = new Array<u8>();
    const routeIdList = new Array<i32>();
    const listsOnWalk = new Array<i32>();
    for (let node = 0; node < nodeCount; node++) {
      if (this.isRoot[node]) {
        radixOf[node] = radixTrieNode.length;
        radixTrieNode.push(node);
        listsOnWalk.push(0);
      }
    }
    // Radix nodes are numbered in creation order and processed in that order (breadth-first).
    for (let radix = 0; radix < radixTrieNode.length; radix++) {
      const node = radixTrieNode[radix];
      const lists = listsOnWalk[radix] + this.listCount(node);
      if (lists > this.maxListsPerWalk) this.maxListsPerWalk = lists;
      nodeWords.push(edgeWords.length / EDGE_WORDS);
      nodeWords.push(childStart[node + 1] - childStart[node]);
      appendList(routeIdList, nodeWords, this.prefixLists[node]);
      appendList(routeIdList, nodeWords, this.exactLists[node]);
      for (let c = childStart[node]; c < childStart[node + 1]; c++) {
        const labelStart = labelBytes.length;
        labelBytes.push(<u8>childBytes[c]);
        let next = childNodes[c];
        // Follow the chain while it neither branches nor holds routes.
        while (!this.isRoot[next] && this.listCount(next) == 0 && childStart[next + 1] - childStart[next] == 1) {
          labelBytes.push(<u8>childBytes[childStart[next]]);
          next = childNodes[childStart[next]];
        }
        if (radixOf[next] < 0) {
          radixOf[next] = radixTrieNode.length;
          radixTrieNode.push(next);
          listsOnWalk.push(lists);
        }
        edgeWords.push(childBytes[c]);
        edgeWords.push(labelStart);
        edgeWords.push(labelBytes.length - labelStart);
        edgeWords.push(radixOf[next]);
      }
    }
    // Serialise: every node's header then its edges, targets rewritten from radix ids to word offsets.
    const radixCount = radixTrieNode.length;
    const offsets = new StaticArray<i32>(radixCount);
    let size = 0;
    for (let radix = 0; radix < radixCount; radix++) {
      offsets[radix] = size;
      size += NODE_HEADER_WORDS + EDGE_RECORD_WORDS * nodeWords[radix * NODE_WORDS + 1];
    }
    const tree = new StaticArray<i32>(size);
    for (let radix = 0; radix < radixCount; radix++) {
      const at = offsets[radix];
      const firstEdge = nodeWords[radix * NODE_WORDS];
      const edgeCount = nodeWords[radix * NODE_WORDS + 1];
      tree[at] = edgeCount;
      for (let word = 0; word < 4; word++) tree[at + 1 + word] = nodeWords[radix * NODE_WORDS + 2 + word];
      for (let e = 0; e < edgeCount; e++) {
        const edge = (firstEdge + e) * EDGE_WORDS;
        const record = at + NODE_HEADER_WORDS + e * EDGE_RECORD_WORDS;
        tree[record] = edgeWords[edge] | (edgeWords[edge + 2] << 8);
        tree[record + 1] = edgeWords[edge + 1];
        tree[record + 2] = offsets[edgeWords[edge + 3]];
      }
    }
    for (let node = 0; node < nodeCount; node++) if (radixOf[node] >= 0) radixOf[node] = offsets[radixOf[node]];
    this.tree = tree;
    this.routeIds = toStaticI32(routeIdList);
    const labels = new StaticArray<u8>(labelBytes.length);
    for (let i = 0; i < labelBytes.length; i++) labels[i] = labelBytes[i];
    this.labels = labels;
    this.radixOf = radixOf;
    this.treeAddress = changetype<usize>(this.tree);
    this.labelsAddress = changetype<usize>(this.labels);
    this.routeIdsAddress = changetype<usize>(this.routeIds);
    // Only the frozen form is needed from now on.
    this.keys = new StaticArray<u32>(0);
    this.values = new StaticArray<i32>(0);
    this.prefixLists = [];
    this.exactLists = [];
    this.isRoot = [];
  }

  private listCount(node: i32): i32 {
    return (this.prefixLists[node] != null ? 1 : 0) + (this.exactLists[node] != null ? 1 : 0);
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

function appendList(routeIds: Array<i32>, nodeWords: Array<i32>, list: Array<i32> | null): void {
  nodeWords.push(routeIds.length);
  if (list != null) for (let i = 0; i < list.length; i++) routeIds.push(list[i]);
  nodeWords.push(routeIds.length);
}

function toStaticI32(values: Array<i32>): StaticArray<i32> {
  const result = new StaticArray<i32>(values.length);
  for (let i = 0; i < values.length; i++) result[i] = values[i];
  return result;
}
