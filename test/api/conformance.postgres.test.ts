import { afterAll, beforeAll } from "vitest";
import { startTestControlPlane } from "../support/control-plane.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { defineConformanceSuite } from "./conformance.cases.js";

let server: TestPostgres;
let databases = 0;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => server?.stop());

// Each control plane gets a database of its own, as each SQLite one gets its own file.
defineConformanceSuite("PostgreSQL", async (env) => startTestControlPlane({ env, databaseUrl: await server.createDatabase(`conformance_${++databases}`) }));
