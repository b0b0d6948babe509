import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { openLibsqlStore } from "../../db/sqlite/libsql.js";
import { describeStoreContract } from "./store.contract.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-sqlite-store-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract("libSQL file", () => openLibsqlStore(path.join(dir, `store-${++n}.db`)));
