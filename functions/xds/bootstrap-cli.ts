// `npm run bootstrap -- --node <id> [--xds host:port] [--cluster <name>] [--admin host:port] [--sds-socket <path>]`
// prints a bootstrap for a stock Envoy: `envoy -c <(npm run -s bootstrap -- --node mesh/app/virtualNode/serviceA)`.
import { parseArgs } from "node:util";
import { bootstrapToJson, createBootstrap } from "./bootstrap.js";
import { parseNodeId } from "../envoy/index.js";

const usage = "usage: npm run bootstrap -- --node mesh/<mesh>/virtualNode/<name> [--xds host:port] [--cluster name] [--admin host:port] [--sds-socket path]";

function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):([0-9]{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) throw new Error(`${flag} must be host:port, got "${value}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { node: { type: "string" }, xds: { type: "string" }, cluster: { type: "string" }, admin: { type: "string" }, "sds-socket": { type: "string" }, help: { type: "boolean" } },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.node) {
    console.error(`--node is required\n${usage}`);
    return 2;
  }
  const node = parseNodeId(values.node);
  if ("error" in node) {
    console.error(node.error);
    return 2;
  }
  try {
    const xds = parseHostPort(values.xds ?? `127.0.0.1:${process.env.XDS_PORT ?? 18000}`, "--xds");
    const admin = values.admin ? parseHostPort(values.admin, "--admin") : undefined;
    const bootstrap = createBootstrap({
      nodeId: values.node,
      xds,
      ...(values.cluster ? { cluster: values.cluster } : {}),
      ...(admin ? { admin: { address: admin.host, port: admin.port } } : {}),
      ...(values["sds-socket"] ? { sdsSocketPath: values["sds-socket"] } : {}),
    });
    console.log(JSON.stringify(bootstrapToJson(bootstrap), null, 2));
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
