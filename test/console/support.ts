// What the console's browser suites share: meshplane as `npm start` runs it (a child process on free loopback
// ports, a fresh SQLite file), Debian's Chromium driven by playwright-core with a fresh profile, and a record of
// everything the page logs as an error.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { createAppMeshClient } from "../support/control-plane.js";
import { startMeshplaneProcess, type MeshplaneProcess } from "../support/process.js";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export interface ConsoleServer {
  process: MeshplaneProcess;
  url: string;
  xdsAddress: string;
  stop(): Promise<void>;
}

/** meshplane in a child process, as `npm start` runs it, over a fresh database. */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<ConsoleServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-console-"));
  const running = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "meshplane.db"), MESHPLANE_ACCOUNT_ID: "111122223333", ...env });
  // The ADS line follows the API line; wait for it (bounded).
  let ads: RegExpExecArray | null = null;
  for (let attempt = 0; attempt < 200 && !ads; attempt++) {
    ads = /ADS \(gRPC, h2c\) on (\S+)/.exec(running.output());
    if (!ads) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (!ads) throw new Error(`meshplane announced no ADS address:\n${running.output()}`);
  return {
    process: running,
    url: running.url,
    xdsAddress: ads[1]!,
    async stop() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One error the page logged: a console error, an uncaught exception, or the browser's note of a failed request. */
export interface LoggedError {
  text: string;
  /** The script or resource the message is about. */
  url: string;
}

/** An API answer a test provokes on purpose (Chromium logs every 4xx as "Failed to load resource"). */
export interface ExpectedFailure {
  status: number;
  path: RegExp;
}

export interface ConsoleBrowser {
  context: BrowserContext;
  /** A new tab; its console errors and uncaught exceptions are collected into `errors`. */
  newPage(): Promise<Page>;
  errors: LoggedError[];
  /** Empties `errors` and returns those that are not among the expected API failures. */
  takeUnexpectedErrors(expected?: readonly ExpectedFailure[]): string[];
  close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<ConsoleBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), "meshplane-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS, viewport, locale: "en-US", timezoneId: "UTC" });
  const errors: LoggedError[] = [];
  return {
    context,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on("console", (message) => {
        if (message.type() === "error") errors.push({ text: message.text(), url: message.location().url });
      });
      page.on("pageerror", (error) => errors.push({ text: `uncaught ${error.message}`, url: page.url() }));
      return page;
    },
    takeUnexpectedErrors(expected = []) {
      const isExpected = (error: LoggedError) =>
        expected.some((failure) => error.text.startsWith(`Failed to load resource: the server responded with a status of ${failure.status} `) && failure.path.test(new URL(error.url, "http://x").pathname));
      return errors.splice(0).filter((error) => !isExpected(error)).map((error) => `${error.url}: ${error.text}`);
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits (bounded) until `check` passes; for state that arrives asynchronously, such as an ADS push. */
export async function eventually<T>(check: () => Promise<T>, attempts = 100, intervalMs = 100): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
  throw lastError;
}

/** A browser suite against one open-mode server; the fields are set once the suite's beforeAll has run. */
export interface OpenModeConsole {
  server: ConsoleServer;
  browser: ConsoleBrowser;
  client: AppMeshClient;
  /** The API errors the current test provokes on purpose; anything else the page logs fails it. */
  expectedFailures: ExpectedFailure[];
  /** A new tab on a console path such as `/meshes/apps`. */
  open(consolePath: string): Promise<Page>;
}

/**
 * Registers the suite's hooks: one server, browser and SDK client for the file; after each test its tabs are
 * closed and it fails if a page logged an error it did not expect.
 */
export function useOpenModeConsole(): OpenModeConsole {
  const suite = {
    expectedFailures: [],
    async open(consolePath: string) {
      const page = await suite.browser.newPage();
      await page.goto(`${suite.server.url}/console${consolePath}`);
      return page;
    },
  } as unknown as OpenModeConsole;
  beforeAll(async () => {
    suite.server = await startConsoleServer();
    suite.browser = await launchBrowser();
    suite.client = createAppMeshClient(suite.server.url);
  });
  afterAll(async () => {
    suite.client?.destroy();
    await suite.browser?.close();
    await suite.server?.stop();
  });
  afterEach(async () => {
    for (const page of suite.browser.context.pages()) await page.close();
    const unexpected = suite.browser.takeUnexpectedErrors(suite.expectedFailures);
    suite.expectedFailures = [];
    expect(unexpected, "the page logged errors").toEqual([]);
  });
  return suite;
}
