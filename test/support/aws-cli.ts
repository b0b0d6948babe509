// The unmodified AWS CLI (Debian's awscli, v1) and boto3 against a meshplane URL: exit code, output and parsed JSON.
// `awsCli` starts one `aws` process per call; `startAwsCliSession` runs the CLI's own driver for many calls in one
// interpreter (aws-cli-session.py), for suites that make dozens of calls. Each environment gets its own empty HOME
// and config, so nothing of the machine's setup leaks in.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

function parsed(code: number, stdout: string, stderr: string): CliResult {
  let json: unknown;
  try {
    json = stdout.trim() ? JSON.parse(stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

function run(command: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve(parsed(error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr));
    });
  });
}

/** An isolated environment for the CLI and boto3: fake credentials, region us-east-1, no pager, one attempt. */
export function awsEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const home = mkdtempSync(path.join(os.tmpdir(), "meshplane-awscli-"));
  writeFileSync(path.join(home, "config"), "[default]\nregion = us-east-1\n");
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AWS_ACCESS_KEY_ID: "AKIDMESHPLANECLI",
    AWS_SECRET_ACCESS_KEY: "meshplane-cli-secret",
    AWS_CONFIG_FILE: path.join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"),
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
    AWS_RETRY_MODE: "standard",
    ...extra,
  };
}

const cliArgs = (url: string | undefined, service: string, args: readonly string[]) => [service, ...args, ...(url ? ["--endpoint-url", url] : []), "--output", "json"];

/** `aws <service> <args> --output json` with `--endpoint-url url` (unless `url` is undefined: env then names it). */
export function awsCli(url: string | undefined, env: Record<string, string>, service: string, ...args: string[]): Promise<CliResult> {
  return run("aws", cliArgs(url, service, args), env);
}

/** Runs a Python 3 program (with boto3) with `env`; the program prints JSON on stdout. */
export function python(program: string, env: Record<string, string>): Promise<CliResult> {
  return run("python3", ["-c", program], env);
}

/** Runs a Python 3 file (with boto3) with `env`; the program prints JSON on stdout. */
export function pythonFile(file: string, env: Record<string, string>): Promise<CliResult> {
  return run("python3", [file], env);
}

export interface AwsCliSession {
  /** Like `awsCli`, in the session's interpreter; `env` adds variables for this call only. */
  run(url: string | undefined, service: string, args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  close(): Promise<void>;
}

/** One interpreter running the AWS CLI's driver for each call, in order, under `env` (see aws-cli-session.py). */
export function startAwsCliSession(env: Record<string, string>): AwsCliSession {
  const child = spawn("python3", [path.join(import.meta.dirname, "aws-cli-session.py")], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const waiting: Array<{ resolve(result: CliResult): void; reject(error: Error): void }> = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const answer = JSON.parse(line) as { code: number; stdout: string; stderr: string };
    waiting.shift()?.resolve(parsed(answer.code, answer.stdout, answer.stderr));
  });
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (code) => {
      for (const call of waiting.splice(0)) call.reject(new Error(`the AWS CLI session exited (${code}): ${stderr}`));
      resolve();
    }),
  );
  return {
    run(url, service, args, extra = {}) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify({ args: cliArgs(url, service, args), env: extra })}\n`);
      });
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}
