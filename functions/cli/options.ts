// Option values shared by commands: the connection options every command has (on the program) and the
// `Key=Value` lists of import and diff.
import { InvalidArgumentError, type Command } from "commander";
import type { ConnectionOptions } from "./connection.js";

/** A repeatable `Key=Value` option collected into a Map. */
export function collectPairs(value: string, previous: Map<string, string> = new Map()): Map<string, string> {
  const equals = value.indexOf("=");
  if (equals <= 0) throw new InvalidArgumentError(`expected Key=Value, got "${value}"`);
  return new Map(previous).set(value.slice(0, equals), value.slice(equals + 1));
}

/** A repeatable option collected into a list. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function choice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!choices.includes(value as T)) throw new InvalidArgumentError(`expected one of ${choices.join(", ")}`);
    return value as T;
  };
}

export function addConnectionOptions(program: Command): Command {
  return program
    .option("--endpoint <url>", "meshplane's App Mesh API (default: $AWS_ENDPOINT_URL_APP_MESH, else $AWS_ENDPOINT_URL, else the AWS config file's services section)")
    .option("--region <region>", "region to sign requests for (default: $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1)")
    .option("--profile <name>", "AWS profile for credentials (default: $AWS_PROFILE)");
}

export function connectionOptions(command: Command): ConnectionOptions {
  const options = command.optsWithGlobals<ConnectionOptions>();
  return {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
}
