// The Store on Cloudflare D1 (binding `DB`); migrations are applied by wrangler (`db/migrations/sqlite`).
import type { D1Database } from "@cloudflare/workers-types";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../schema.sqlite.js";
import type { Store } from "../store.js";
import type { BatchingSqliteDatabase } from "./dialect.js";
import { createSqliteStore } from "./store.js";

export function openD1Store(binding: D1Database): Store {
  return createSqliteStore(drizzle(binding, { schema }) as unknown as BatchingSqliteDatabase, {
    async runBatch(statements) {
      // D1's batch is one transaction. Its rows are objects; the commit's reads select one column each.
      const results = await binding.batch(statements.map(({ sql, params }) => binding.prepare(sql).bind(...params)));
      return statements.flatMap((statement, index) => (statement.reads ? [(results[index]!.results as Record<string, unknown>[]).map((row) => Object.values(row))] : []));
    },
  });
}
