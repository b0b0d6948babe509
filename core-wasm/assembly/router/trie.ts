// Byte trie over literal path prefixes and exact paths. Node 0 is the root of every virtual host's two tries
// (case-sensitive and ASCII-lower-cased); each virtual host gets its own roots, all nodes share one child table.
//
// Child table: open addressing, linear probing, capacity a power of two.
//
//   keys[i]   = parent × 256 + byte + 1   (0: empty slot)
//   values[i] = child node id
export class PathTrie {
  private keys: StaticArray<u32> = new StaticArray<u32>(1024);
  private values: StaticArray<i32> = new StaticArray<i32>(1024);
  private used: i32 = 0;
  /** Per node: route indices (ascending) whose prefix ends here, and whose exact path ends here. */
  prefixRoutes: Array<Array<i32> | null> = [];
  exactRoutes: Array<Array<i32> | null> = [];

  newNode(): i32 {
    this.prefixRoutes.push(null);
    this.exactRoutes.push(null);
    return this.prefixRoutes.length - 1;
  }

  // @ts-ignore: decorator
  @inline
  child(node: i32, byte: i32): i32 {
    const key = <u32>(node * 256 + byte + 1);
    const mask = <u32>this.keys.length - 1;
    let slot = (key * 0x9e3779b1) & mask;
    const keys = this.keys;
    while (true) {
      const found = unchecked(keys[slot]);
      if (found == key) return unchecked(this.values[slot]);
      if (found == 0) return -1;
      slot = (slot + 1) & mask;
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
    let list = this.prefixRoutes[node];
    if (list == null) {
      list = [];
      this.prefixRoutes[node] = list;
    }
    list.push(route);
  }

  addExactRoute(node: i32, route: i32): void {
    let list = this.exactRoutes[node];
    if (list == null) {
      list = [];
      this.exactRoutes[node] = list;
    }
    list.push(route);
  }

  private setChild(node: i32, byte: i32, child: i32): void {
    if ((this.used + 1) * 2 > this.keys.length) this.grow();
    const key = <u32>(node * 256 + byte + 1);
    const mask = <u32>this.keys.length - 1;
    let slot = (key * 0x9e3779b1) & mask;
    while (this.keys[slot] != 0) slot = (slot + 1) & mask;
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
    const mask = <u32>capacity - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i];
      if (key == 0) continue;
      let slot = (key * 0x9e3779b1) & mask;
      while (this.keys[slot] != 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.values[slot] = oldValues[i];
    }
  }
}
