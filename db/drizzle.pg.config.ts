import { defineConfig } from "drizzle-kit";

// `npx drizzle-kit generate --config db/drizzle.pg.config.ts`: the PostgreSQL migrations, applied on open by
// db/postgres/store.ts (the SQLite ones live beside them in db/migrations/sqlite).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.pg.ts",
  out: "./db/migrations/pg",
});
