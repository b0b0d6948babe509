// `meshplane explain --node mesh/<mesh>/virtualNode/<name> http://serviceb.apps.local/orders -H 'x-canary: 1'`:
// which listener, filter chain, route configuration, virtual host, route and clusters (with weights) the node's
// Envoy would use for one request, and why each earlier route did not match. meshplane answers it
// (`POST /v1/xds/explain`) against what the node is served now, with the routing core the gateway uses.
// Exit status 0 when the request reaches a cluster, 3 when nothing serves it (as `diff`'s 3), 1 on errors.
import { Command, InvalidArgumentError, Option } from "commander";
import { exitCodes } from "./cli-error.js";
import type { CliCommand } from "./command.js";
import { connect } from "./connection.js";
import { isServed, renderExplainText, type ExplainAnswer } from "./explain-report.js";
import { postSignedJson } from "./meshplane-http.js";
import { choice, connectionOptions } from "./options.js";

/** RFC 9110 token characters: methods and header names. Neither `:` nor `=` is one, so either separates a header. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

interface ExplainOptions {
  node: string;
  listener?: string;
  port?: number;
  method: string;
  header?: Array<[string, string]>;
  output: "text" | "json";
}

interface Target {
  authority: string;
  /** Path with its query, as the request line carries it. */
  path: string;
}

/**
 * `http://host[:port]/path?query`, or the same without the scheme. The authority is kept as written (with its
 * port, if any), as a client puts it in the Host header.
 *
 * @example
 * parseTarget("http://serviceb.apps.local:8080/orders?id=1") // → { authority: "serviceb.apps.local:8080", path: "/orders?id=1" }
 * parseTarget("serviceb.apps.local") // → { authority: "serviceb.apps.local", path: "/" }
 */
export function parseTarget(value: string): Target {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  if (scheme && scheme[1]!.toLowerCase() !== "http") {
    throw new InvalidArgumentError(
      `explain follows plaintext HTTP as an application sends it to its Envoy (Envoy originates TLS itself); write http:// or leave the scheme out, not ${scheme[1]}://`,
    );
  }
  const rest = scheme ? value.slice(scheme[0].length) : value;
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  let path = (end < 0 ? "" : rest.slice(end)).replace(/#.*$/s, "");
  if (path === "" || path.startsWith("?")) path = `/${path}`;
  if (!/^[^\s/?#@]+$/.test(authority) || !URL.canParse(`http://${authority}`)) {
    throw new InvalidArgumentError(`"${value}" names no host[:port] to send the request to (expected e.g. http://serviceb.apps.local/orders)`);
  }
  if (/\s/.test(path)) throw new InvalidArgumentError(`the path of "${value}" contains white space (percent-encode it)`);
  return { authority, path };
}

/** `-H 'name: value'` (as curl) or `-H name=value`, repeatable; a name given twice has several values. */
export function collectHeader(value: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  const separator = value.search(/[:=]/);
  const name = separator < 0 ? value : value.slice(0, separator);
  if (separator <= 0 || !TOKEN.test(name)) throw new InvalidArgumentError(`expected "name: value" or name=value, got "${value}"`);
  return [...previous, [name.toLowerCase(), value.slice(separator + 1).trim()]];
}

function parseMethod(value: string): string {
  if (!TOKEN.test(value)) throw new InvalidArgumentError(`"${value}" is not an HTTP method`);
  return value;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError("expected a port between 1 and 65535");
  return port;
}

/** The body of `POST /v1/xds/explain` (docs/console.md); a Host header stands for the authority, as in curl. */
function explainBody(target: Target, options: ExplainOptions): Record<string, unknown> {
  const headers: Record<string, string | string[]> = {};
  let authority = target.authority;
  for (const [name, value] of options.header ?? []) {
    if (name === "host") {
      authority = value;
      continue;
    }
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return {
    node: options.node,
    ...(options.listener !== undefined ? { listener: options.listener } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    request: { method: options.method, authority, path: target.path, ...(Object.keys(headers).length > 0 ? { headers } : {}) },
  };
}

export const explainCommand: CliCommand = {
  register(program, { io, setExitCode }) {
    program
      .command("explain")
      .summary("show which route and clusters a node's Envoy would use for a request; exit 3 when none serves it")
      .description(
        "Explains one request against what a virtual node's (or virtual gateway's) Envoy is served now: the listener, filter chain, route configuration, virtual host, " +
          "the route chosen and why each earlier route did not match, and the clusters with their weights. " +
          "Exit status: 0 the request reaches a cluster, 3 nothing serves it, 1 failure, 2 usage error.",
      )
      .argument("<url>", "the request as the application sends it: http://authority/path?query, or authority/path (the scheme may be left out)", parseTarget)
      .requiredOption("--node <id>", "the proxy whose configuration answers: mesh/<mesh>/virtualNode/<name>, mesh/<mesh>/virtualGateway/<name>, or its ARN")
      .option("-X, --method <method>", "HTTP method", parseMethod, "GET")
      .option("-H, --header <header>", "request header, 'name: value' or name=value (repeatable; Host replaces the URL's authority)", collectHeader)
      .option("--listener <name>", "listener by name (default: a virtual node's outbound listener, a virtual gateway's inbound one on the port)")
      .option("--port <port>", "destination port of the connection, which picks the filter chain (default: the authority's port, else 80)", parsePort)
      .addOption(new Option("-o, --output <format>", "the answer for people, or the API's JSON").choices(["text", "json"]).default("text").argParser(choice(["text", "json"] as const)))
      .addHelpText(
        "after",
        "\nExamples:\n  meshplane explain --node mesh/apps/virtualNode/serviceA http://serviceb.apps.local/orders -H 'x-canary: 1'\n" +
          "  meshplane explain --node mesh/apps/virtualGateway/ingress --port 8080 -X POST ingress.apps.local/api -o json",
      )
      .action(async (target: Target, options: ExplainOptions, self: Command) => {
        const { api } = connect(connectionOptions(self), io);
        try {
          const answer = (await postSignedJson(api, "/v1/xds/explain", explainBody(target, options))) as ExplainAnswer;
          io.stdout.write(options.output === "json" ? `${JSON.stringify(answer, null, 2)}\n` : renderExplainText(answer));
          if (!isServed(answer)) setExitCode(exitCodes.notServed);
        } finally {
          await api.close();
        }
      });
  },
};
