// What `import` and `diff` share: their input options, and the step from files to a plan (load and check the
// inputs, read what exists in the meshes they touch, resolve, plan), printed for people or as JSON.
import { Option, type Command } from "commander";
import {
  loadInputs,
  lookupIn,
  planChanges,
  planToJson,
  renderPlanText,
  touchedMeshes,
  formatLocation,
  type CurrentState,
  type ImportSettings,
  type LoadedInputs,
  type Notice,
  type Plan,
} from "../migrate/index.js";
import type { AppMeshApi } from "./app-mesh-api.js";
import type { CliIo } from "./io.js";
import { choice, collectPairs } from "./options.js";
import { discoverAccountId, readCurrentState } from "./current-state.js";
import { renderPolicyPlan, type PlannedPolicy } from "./policy.js";
import { readInputFiles } from "./read-inputs.js";

export interface InputOptions {
  parameter?: Map<string, string>;
  importValue?: Map<string, string>;
  attribute?: Map<string, string>;
  stackName?: string;
  accountId?: string;
  mesh?: string;
  namespace?: string;
  prune?: boolean;
  output: "text" | "json";
}

export function addInputOptions(command: Command): Command {
  return command
    .argument("<file...>", 'templates, manifests or exports: files, directories (e.g. cdk.out), or "-" for stdin')
    .option("-p, --parameter <Key=Value>", "CloudFormation parameter value (repeatable)", collectPairs)
    .option("--import-value <Name=Value>", "value of an export that Fn::ImportValue names (repeatable)", collectPairs)
    .option("--attribute <Logical[.Attribute]=Value>", "Ref or Fn::GetAtt value of a resource meshplane does not create (repeatable)", collectPairs)
    .option("--stack-name <name>", "AWS::StackName (the stack's name in CloudFormation); also prefixes generated names")
    .option("--account-id <id>", "AWS::AccountId (default: meshplane's account, from its meshes)")
    .option("--mesh <name>", "mesh of Kubernetes objects whose namespace no Mesh in the input selects")
    .option("--namespace <namespace>", "namespace of Kubernetes objects written without one", "default")
    .option("--prune", "also delete resources of the touched meshes that the input does not define")
    .addOption(new Option("-o, --output <format>", "plan output").choices(["text", "json"]).default("text").argParser(choice(["text", "json"] as const)));
}

export interface PlannedInputs {
  plan: Plan;
  notices: Notice[];
  inputs: LoadedInputs;
  state: CurrentState;
}

/** Files → plan. Throws (with file, document, line and field) for inputs that cannot be applied. */
export async function planFromInputs(files: readonly string[], options: InputOptions, api: AppMeshApi, region: string, io: CliIo): Promise<PlannedInputs> {
  const inputFiles = await readInputFiles(files, io.stdin, io.cwd);
  const accountId = options.accountId ?? (await discoverAccountId(api));
  const settings: ImportSettings = {
    cloudFormation: {
      parameters: options.parameter ?? new Map(),
      importValues: options.importValue ?? new Map(),
      attributes: options.attribute ?? new Map(),
      region,
      ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
      ...(accountId !== undefined ? { accountId } : {}),
    },
    kubernetes: { ...(options.mesh !== undefined ? { mesh: options.mesh } : {}), ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) },
  };
  const inputs = loadInputs(inputFiles, settings);
  // What exists enters resolution only through the lookup (Fn::GetAtt Arn, Uid, owners): when the first pass never
  // asked it, resolving again against the state read would give the same resources, so that pass is skipped.
  let consultedLookup = false;
  const firstPass = inputs.resolve(() => {
    consultedLookup = true;
    return undefined;
  });
  const state = await readCurrentState(api, touchedMeshes(firstPass.resources));
  const { resources, notices } = consultedLookup ? inputs.resolve(lookupIn(state)) : firstPass;
  const plan = planChanges(resources, state, { prune: options.prune === true });
  return { plan, notices, inputs, state };
}

const compareNotices = (a: Notice, b: Notice) =>
  (a.location?.file ?? "").localeCompare(b.location?.file ?? "") || (a.location?.document ?? 0) - (b.location?.document ?? 0) || (a.location?.line ?? 0) - (b.location?.line ?? 0);

/**
 * Notices on stderr (one line each, in input order), the plan on stdout; with `policies` (diff), what putting the
 * inputs' policies would do, after the resources (in JSON as `policies`).
 */
export function printPlan({ plan, notices }: PlannedInputs, options: InputOptions, io: CliIo, policies?: readonly PlannedPolicy[]): void {
  const sorted = [...notices].sort(compareNotices);
  for (const notice of sorted) io.stderr.write(`notice: ${notice.location ? `${formatLocation({ ...notice.location, field: undefined })}: ` : ""}${notice.message}\n`);
  if (options.output === "json") {
    const json = planToJson(plan, sorted);
    if (policies) json.policies = policies.map(({ policy, change }) => ({ action: change, meshName: policy.meshName, policyName: policy.policyName, source: policy.source }));
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else io.stdout.write(renderPlanText(plan) + (policies ? renderPolicyPlan(policies) : ""));
}
