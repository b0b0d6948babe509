// What a command may touch of its process: streams, environment and working directory, passed in so that the
// commands run the same from `bin/meshplane.js` and from tests.
import type { Readable, Writable } from "node:stream";

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
