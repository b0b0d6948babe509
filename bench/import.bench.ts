// Import throughput of `meshplane import` (a real CLI process, bin/meshplane.js) for a generated CloudFormation
// template of 500 virtual nodes (with 500 services, 250 routers and 250 routes: 1,501 resources), against one
// meshplane process on the embedded SQLite store. Baseline, side by side on the same server: the same 1,501
// creates sent straight through the AWS SDK from this process, tier by tier with the same parallelism, so the
// ratio shows what parsing, planning and the CLI add. A second import of the unchanged template measures a
// plan that reads every resource back and finds nothing to do.
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { nameMembers, sendResourceCommand } from "../test/support/sdk-resource-commands.js";
import { mapLimited } from "../functions/cli/concurrency.js";
import { applyTier, type WantedResource } from "../functions/migrate/index.js";
import { runMeshplane } from "../test/support/meshplane-cli.js";
import { startMeshplaneProcess } from "../test/support/process.js";
import { cpuSeconds } from "./support/cpu-time.js";

/** Knobs for quick runs and profiles: fewer nodes (an even number), and a folder for `--cpu-prof` of the CLI and the server. */
const NODES = Number(process.env.IMPORT_BENCH_NODES ?? 500);
const ROUTERS = NODES / 2;
const CPU_PROFILE_DIR = process.env.IMPORT_BENCH_CPU_PROFILE;
const profileHook = pathToFileURL(path.join(import.meta.dirname, "support/cpu-profile-hook.mjs")).href;
const profiled = (name: string): Record<string, string> =>
  CPU_PROFILE_DIR ? { NODE_OPTIONS: `--import ${profileHook}`, MESHPLANE_CPU_PROFILE_DIR: path.join(CPU_PROFILE_DIR, name) } : {};
/** What an import into the embedded store should reach on a machine of its own (issue 12). */
const TARGET_PER_SECOND = 200;
/** As many calls in flight as the CLI's apply uses. */
const CONCURRENCY = 8;

/** The template (YAML, with a parameter, !Sub and !GetAtt as real ones have) and the same resources as API inputs. */
export function generate(meshName: string): { template: string; resources: WantedResource[] } {
  const resources: WantedResource[] = [{ kind: "mesh", meshName, parentName: "", name: meshName, spec: {} }];
  const lines = ["Parameters:", "  MeshName: { Type: String }", "Resources:", "  Mesh:", "    Type: AWS::AppMesh::Mesh", "    Properties: { MeshName: !Ref MeshName }"];
  const service = (i: number) => `svc${i}.${meshName}.local`;
  for (let i = 0; i < NODES; i++) {
    const backends = [service((i + 1) % NODES), service((i + 2) % NODES)];
    resources.push({
      kind: "virtualNode",
      meshName,
      parentName: "",
      name: `node${i}`,
      spec: {
        listeners: [{ portMapping: { port: 8080, protocol: "http" }, healthCheck: { protocol: "http", path: "/ping", healthyThreshold: 2, unhealthyThreshold: 2, timeoutMillis: 2000, intervalMillis: 5000 } }],
        serviceDiscovery: { dns: { hostname: `node${i}.${meshName}.svc` } },
        backends: backends.map((name) => ({ virtualService: { virtualServiceName: name } })),
      },
    });
    lines.push(
      `  Node${i}:`,
      "    Type: AWS::AppMesh::VirtualNode",
      "    Properties:",
      "      MeshName: !GetAtt Mesh.MeshName",
      `      VirtualNodeName: node${i}`,
      "      Spec:",
      "        Listeners:",
      '          - PortMapping: { Port: "8080", Protocol: http }',
      "            HealthCheck: { Protocol: http, Path: /ping, HealthyThreshold: 2, UnhealthyThreshold: 2, TimeoutMillis: 2000, IntervalMillis: 5000 }",
      `        ServiceDiscovery: { DNS: { Hostname: !Sub "node${i}.\${MeshName}.svc" } }`,
      "        Backends:",
      ...backends.map((name) => `          - VirtualService: { VirtualServiceName: ${name} }`),
    );
  }
  for (let r = 0; r < ROUTERS; r++) {
    resources.push({ kind: "virtualRouter", meshName, parentName: "", name: `router${r}`, spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } });
    resources.push({
      kind: "route",
      meshName,
      parentName: `router${r}`,
      name: "split",
      spec: { httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: `node${2 * r}`, weight: 90 }, { virtualNode: `node${2 * r + 1}`, weight: 10 }] } } },
    });
    lines.push(
      `  Router${r}:`,
      "    Type: AWS::AppMesh::VirtualRouter",
      `    Properties: { MeshName: !GetAtt Mesh.MeshName, VirtualRouterName: router${r}, Spec: { Listeners: [{ PortMapping: { Port: 8080, Protocol: http } }] } }`,
      `  Route${r}:`,
      "    Type: AWS::AppMesh::Route",
      "    Properties:",
      "      MeshName: !GetAtt Mesh.MeshName",
      `      VirtualRouterName: !GetAtt Router${r}.VirtualRouterName`,
      "      RouteName: split",
      `      Spec: { HttpRoute: { Match: { Prefix: / }, Action: { WeightedTargets: [{ VirtualNode: node${2 * r}, Weight: 90 }, { VirtualNode: node${2 * r + 1}, Weight: 10 }] } } }`,
    );
  }
  for (let i = 0; i < NODES; i++) {
    const provider = i < ROUTERS ? { virtualRouter: { virtualRouterName: `router${i}` } } : { virtualNode: { virtualNodeName: `node${i}` } };
    resources.push({ kind: "virtualService", meshName, parentName: "", name: service(i), spec: { provider } });
    lines.push(
      `  Service${i}:`,
      "    Type: AWS::AppMesh::VirtualService",
      `    Properties: { MeshName: !GetAtt Mesh.MeshName, VirtualServiceName: !Sub "svc${i}.\${MeshName}.local", Spec: { Provider: ${
        i < ROUTERS ? `{ VirtualRouter: { VirtualRouterName: !GetAtt Router${i}.VirtualRouterName } }` : `{ VirtualNode: { VirtualNodeName: !GetAtt Node${i}.VirtualNodeName } }`
      } } }`,
    );
  }
  return { template: `${lines.join("\n")}\n`, resources };
}

async function createThroughSdk(client: AppMeshClient, resources: WantedResource[]): Promise<void> {
  for (const tier of [...new Set(Object.values(applyTier))].sort()) {
    await mapLimited(
      resources.filter((resource) => applyTier[resource.kind] === tier),
      CONCURRENCY,
      (resource) => sendResourceCommand(client, "create", resource.kind, { ...nameMembers(resource), spec: resource.spec }),
    );
  }
}

const ownCpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/** CPU seconds of this process's children that have ended (the CLI runs): cutime + cstime of /proc/self/stat. */
function endedChildrenCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface Measured {
  seconds: number;
  /** CPU seconds of the sending side (this process for the baseline, the CLI process for imports) and of the server. */
  clientCpu: number;
  serverCpu: number;
}

async function measure(serverPid: number, clientCpu: () => number, work: () => Promise<void>): Promise<Measured> {
  const [client, server, started] = [clientCpu(), cpuSeconds(serverPid), performance.now()];
  await work();
  return { seconds: (performance.now() - started) / 1000, clientCpu: clientCpu() - client, serverCpu: cpuSeconds(serverPid) - server };
}

export default async function importBenchmark(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-import-"));
  const quotas = Object.fromEntries(
    ["VIRTUAL_NODES_PER_MESH", "VIRTUAL_SERVICES_PER_MESH", "VIRTUAL_ROUTERS_PER_MESH"].map((name) => [`MESHPLANE_QUOTA_${name}`, "10000"]),
  );
  const server = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "bench.db"), MESHPLANE_RATE_LIMIT: "off", ...quotas, ...profiled("server") });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const client = new AppMeshClient({ endpoint: server.url, region: "us-east-1", credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
  const loadBefore = os.loadavg()[0]!;
  try {
    // Warm-up (not measured): the server's and this process's code paths get compiled before either run.
    await createThroughSdk(client, generate("warmup").resources.slice(0, 200));
    const baseline = generate("baseline");
    const serverPid = server.child.pid!;
    const sdk = await measure(serverPid, ownCpuSeconds, () => createThroughSdk(client, baseline.resources));

    const imported = generate("imported");
    const file = path.join(dir, "template.yaml");
    writeFileSync(file, imported.template);
    const importRun = await measure(serverPid, endedChildrenCpuSeconds, async () => {
      const first = await runMeshplane(["import", file, "-p", "MeshName=imported"], { endpoint: server.url, env: profiled("cli-import") });
      if (first.code !== 0) throw new Error(`import failed: ${first.stderr}`);
    });
    const unchangedRun = await measure(serverPid, endedChildrenCpuSeconds, async () => {
      const second = await runMeshplane(["import", file, "-p", "MeshName=imported"], { endpoint: server.url, env: profiled("cli-reimport") });
      if (second.code !== 0 || !second.stdout.includes(`${imported.resources.length} unchanged`)) throw new Error(`second import was not a no-op: ${second.stdout}${second.stderr}`);
    });

    const count = imported.resources.length;
    const loadAfter = os.loadavg()[0]!;
    const rate = (seconds: number) => count / seconds;
    const perResource = (cpu: number) => ((1000 * cpu) / count).toFixed(2);
    const row = (name: string, run: Measured) =>
      `| ${name} | ${count} | ${run.seconds.toFixed(2)} | ${rate(run.seconds).toFixed(0)} | ${(rate(run.seconds) / rate(sdk.seconds)).toFixed(2)} | ${perResource(run.clientCpu)} | ${perResource(run.serverCpu)} |`;
    return [
      `A generated CloudFormation template: ${NODES} virtual nodes (listener, health check, DNS, 2 backends), ${NODES} virtual services, ${ROUTERS} routers with one weighted route each, and the mesh (${count} resources, ${Math.round(imported.template.length / 1024)} KiB of YAML with !Ref, !Sub and !GetAtt).`,
      `One meshplane process (embedded SQLite file); the CLI and the SDK baseline send at most ${CONCURRENCY} calls at once, tier by tier.`,
      "The CLI rows include starting the process, parsing, reading the mesh's current state and planning. CPU per resource: of the sending process (this one for the baseline, the CLI process for imports) and of the server, over the same run (both share the machine's cores).",
      `1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after, on ${os.cpus().length} cores: when it is well above the core count, other work shares the machine and the absolute figures are that much lower; the ratios, measured side by side, hold.`,
      "",
      "| run | resources | seconds | resources/s | ratio to baseline | sender CPU ms/resource | server CPU ms/resource |",
      "|---|---:|---:|---:|---:|---:|---:|",
      row("AWS SDK creates from this process (baseline)", sdk),
      row("`meshplane import` into an empty mesh", importRun),
      row("`meshplane import` again (reads all back, nothing to change)", unchangedRun),
      "",
      `Target for the import into an empty mesh: at least ${TARGET_PER_SECOND} resources/s; ${rate(importRun.seconds) >= TARGET_PER_SECOND ? "met" : "not met"} in this run (${rate(importRun.seconds).toFixed(0)}/s).`,
      "",
    ].join("\n");
  } finally {
    client.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
