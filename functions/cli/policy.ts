// `meshplane policy apply -f FILE`, `policy get --mesh M [NAME]`, `policy delete --mesh M NAME`: meshplane's own
// Policy resource (docs/policies/README.md) from the command line. Files hold policy documents or meshplane exports
// (their `policies`), YAML or JSON; apply puts each policy (an unchanged one is left alone) and reports a refusal
// at the file, line and field it concerns.
import { Command, Option } from "commander";
import { stringify } from "yaml";
import { Origins, parseSourceFile, resolvePolicies, toExportedPolicy, type WantedPolicy } from "../migrate/index.js";
import { CliFailure } from "./cli-error.js";
import type { CliCommand } from "./command.js";
import { connect } from "./connection.js";
import type { CliIo } from "./io.js";
import { choice, collectList, connectionOptions } from "./options.js";
import { deletePolicy, getPolicy, listPolicies, policyChange, putWantedPolicy, type PolicyData } from "./policy-api.js";
import { readInputFiles } from "./read-inputs.js";

const outputs = ["text", "json", "yaml"] as const;

/** The policies of the files (file, line and field located errors for malformed ones). */
export async function readPolicyFiles(files: readonly string[], io: CliIo): Promise<WantedPolicy[]> {
  const origins = new Origins();
  const policies: WantedPolicy[] = [];
  for (const file of await readInputFiles(files, io.stdin, io.cwd)) {
    for (const document of parseSourceFile(file.name, file.text, origins)) policies.push(...resolvePolicies(document, origins));
  }
  if (policies.length === 0) throw new CliFailure(`no policies in ${files.join(", ")}: expected policy documents ({ meshName, policyName, targetRef, spec }) or a meshplane export with "policies"`);
  return policies;
}

export type PolicyChange = "create" | "update" | "unchanged";

export interface PlannedPolicy {
  policy: WantedPolicy;
  change: PolicyChange;
}

/** What putting each policy would do, against what meshplane has now. */
export async function planPolicies(api: Parameters<typeof getPolicy>[0], policies: readonly WantedPolicy[]): Promise<PlannedPolicy[]> {
  const planned: PlannedPolicy[] = [];
  for (const policy of policies) planned.push({ policy, change: policyChange(policy, await getPolicy(api, policy.meshName, policy.policyName)) });
  return planned;
}

const policyLabel = (policy: WantedPolicy): string => `policy ${policy.meshName}/${policy.policyName}`;

/** One plan line per policy, in the plan's signs (`+` create, `~` update, `=` unchanged). */
export function renderPolicyPlan(planned: readonly PlannedPolicy[], suffix = ""): string {
  return planned.map(({ policy, change }) => `${change === "unchanged" ? "=" : change === "create" ? "+" : "~"} ${change} ${policyLabel(policy)}${change !== "unchanged" ? suffix : ""}\n`).join("");
}

/** Puts each policy that differs from what meshplane has; one line per policy. */
export async function applyPolicies(api: Parameters<typeof putWantedPolicy>[0], policies: readonly WantedPolicy[], log: { write(text: string): unknown }, dryRun: boolean): Promise<void> {
  for (const planned of await planPolicies(api, policies)) {
    if (planned.change === "unchanged" || dryRun) {
      log.write(renderPolicyPlan([planned], dryRun ? " (dry run)" : ""));
      continue;
    }
    const put = await putWantedPolicy(api, planned.policy);
    log.write(`${planned.change === "create" ? "+ created" : "~ updated"} ${policyLabel(planned.policy)} (version ${put.metadata.version})\n`);
  }
}

function render(policies: readonly PolicyData[], output: (typeof outputs)[number]): string {
  const exported = policies.map(toExportedPolicy);
  if (output === "json") return `${JSON.stringify(exported.length === 1 ? exported[0] : exported, null, 2)}\n`;
  if (output === "yaml") return exported.map((policy) => `---\n${stringify(policy, { lineWidth: 0 })}`).join("");
  if (policies.length === 0) return "no policies\n";
  return policies.map((policy) => `${policy.policyName}\t${Object.keys(policy.spec)[0] ?? ""}\tv${policy.metadata.version}\t${policy.targetRef.arn}\n`).join("");
}

export const policyCommand: CliCommand = {
  register(program, { io }) {
    const policy = program.command("policy").summary("apply, show and delete meshplane policies (fault injection, rate limits, JWT, …)");
    policy
      .command("apply")
      .summary("create or update the policies of the files")
      .requiredOption("-f, --file <file>", 'a file of policy documents or a meshplane export, "-" for stdin (repeatable)', collectList)
      .option("--dry-run", "say what would change and stop")
      .action(async (options: { file: string[]; dryRun?: boolean }, self: Command) => {
        const policies = await readPolicyFiles(options.file, io);
        const { api } = connect(connectionOptions(self), io);
        try {
          await applyPolicies(api, policies, io.stdout, options.dryRun === true);
        } finally {
          await api.close();
        }
      });
    policy
      .command("get")
      .summary("show one policy, or every policy of the mesh")
      .argument("[name]", "the policy (default: all of the mesh)")
      .requiredOption("--mesh <mesh>", "the mesh")
      .addOption(new Option("-o, --output <format>", "a table, or the documents apply reads back").choices(outputs).default("text").argParser(choice(outputs)))
      .action(async (name: string | undefined, options: { mesh: string; output: (typeof outputs)[number] }, self: Command) => {
        const { api } = connect(connectionOptions(self), io);
        try {
          let policies: PolicyData[];
          if (name === undefined) policies = await listPolicies(api, options.mesh);
          else {
            const found = await getPolicy(api, options.mesh, name);
            if (!found) throw new CliFailure(`NotFoundException: Policy ${name} not found in mesh ${options.mesh}.`);
            policies = [found];
          }
          io.stdout.write(render(policies, options.output));
        } finally {
          await api.close();
        }
      });
    policy
      .command("delete")
      .summary("delete a policy")
      .argument("<name>", "the policy")
      .requiredOption("--mesh <mesh>", "the mesh")
      .action(async (name: string, options: { mesh: string }, self: Command) => {
        const { api } = connect(connectionOptions(self), io);
        try {
          const deleted = await deletePolicy(api, options.mesh, name);
          io.stdout.write(`- deleted policy ${deleted.meshName}/${deleted.policyName}\n`);
        } finally {
          await api.close();
        }
      });
  },
};
