// Applies db/migrations/pg on open. Replicas starting at the same moment would race on creating the same tables,
// so the whole run happens under a session advisory lock: the second replica waits, then finds nothing to do.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { LOCK_CLASS, LOCK_KEYS } from "./constants.js";

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations/pg");

/** Brings the database at `url` up to the newest migration; safe to call from several processes at once. */
export async function migratePostgres(url: string): Promise<void> {
  // One connection: the lock, the migrator's own transaction and the unlock all run on the same session.
  const client = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await client`select pg_advisory_lock(${LOCK_CLASS}::int, ${LOCK_KEYS.migrations}::int)`;
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
    } finally {
      await client`select pg_advisory_unlock(${LOCK_CLASS}::int, ${LOCK_KEYS.migrations}::int)`;
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}
