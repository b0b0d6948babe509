// A store on a fresh SQLite file in its own temporary folder, for suites that test the domain on the real store.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openLibsqlStore } from "../../db/sqlite/libsql.js";
import type { Store } from "../../db/store.js";

export interface TemporaryStore {
  store: Store;
  /** Closes the store and removes its folder. */
  remove(): Promise<void>;
}

export async function openTemporaryStore(name: string): Promise<TemporaryStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `meshplane-${name}-`));
  const store = await openLibsqlStore(path.join(dir, `${name}.db`));
  return {
    store,
    async remove() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
