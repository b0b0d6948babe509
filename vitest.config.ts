import { defineConfig } from "vitest/config";

/**
 * Suites that run a second time with meshplane's processes on Deno (`deno task start`, `deno task gateway`): the
 * API conformance (AWS SDK) on SQLite and on PostgreSQL, the AWS CLI, the grpc-js ADS suites and the gateway end to end. Their helpers read
 * MESHPLANE_TEST_RUNTIME (test/support/process.ts), the gateway's MESHPLANE_TEST_GATEWAY_RUNTIME (test/gateway/support.ts);
 * run one runtime with `npx vitest run --project node|deno`.
 */
const denoSuites = [
  "test/api/conformance.sqlite.test.ts",
  "test/api/conformance.postgres.test.ts",
  "test/api/awscli.test.ts",
  "test/xds/server/ads.test.ts",
  "test/xds/server/proxyless.test.ts",
  "test/gateway/gateway.e2e.test.ts",
];

export default defineConfig({
  test: {
    // Suites start real servers, databases and child processes: forks keep them isolated.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/global-setup.ts"],
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "node", include: ["test/**/*.test.ts"] } },
      { extends: true, test: { name: "deno", include: denoSuites, env: { MESHPLANE_TEST_RUNTIME: "deno", MESHPLANE_TEST_GATEWAY_RUNTIME: "deno" } } },
    ],
  },
});
