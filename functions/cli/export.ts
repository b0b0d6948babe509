// `meshplane export`: every resource of the meshes (all, or those named) with specs and tags, in meshplane's
// format (with the meshes' policies), as a CloudFormation template, or as App Mesh controller manifests; each
// imports back to the same.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Command, Option } from "commander";
import { stringify } from "yaml";
import { normalizeSpec, toCloudFormationTemplate, toExportedPolicy, toKubernetesManifests, toMeshplaneExport, type ExportedResource } from "../migrate/index.js";
import { listPolicies } from "./policy-api.js";
import { CliFailure } from "./cli-error.js";
import type { CliCommand } from "./command.js";
import { connect } from "./connection.js";
import type { CliIo } from "./io.js";
import { listMeshNames, readCurrentState } from "./current-state.js";
import { collectList, connectionOptions } from "./options.js";

const formats = ["meshplane", "cloudformation", "kubernetes"] as const;
type ExportFormat = (typeof formats)[number];

interface ExportOptions {
  mesh?: string[];
  format: ExportFormat;
  output?: string;
}

/** JSON for .json files and the meshplane format by default, YAML otherwise. */
function serialize(format: ExportFormat, resources: ExportedResource[], policies: Record<string, unknown>[], file: string | undefined): string {
  const extension = file ? path.extname(file).toLowerCase() : "";
  const json = extension === ".json" || (extension === "" && format === "meshplane");
  const yaml = (value: unknown) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
  switch (format) {
    case "meshplane": {
      const document = toMeshplaneExport(resources, policies);
      return json ? `${JSON.stringify(document, null, 2)}\n` : yaml(document);
    }
    case "cloudformation": {
      const template = toCloudFormationTemplate(resources);
      return json ? `${JSON.stringify(template, null, 2)}\n` : yaml(template);
    }
    case "kubernetes": {
      const documents = toKubernetesManifests(resources);
      return json ? `${JSON.stringify({ apiVersion: "v1", kind: "List", items: documents }, null, 2)}\n` : documents.map((document) => `---\n${yaml(document)}`).join("");
    }
  }
}

export const exportCommand: CliCommand = {
  register(program, { io }) {
    const command = program
      .command("export")
      .summary("write every resource of the meshes, with specs and tags, for import elsewhere")
      .description("Reads the meshes (all of them unless --mesh names some) through the App Mesh API and writes them in the chosen format; importing the output recreates the same resources.")
      .option("--mesh <name>", "a mesh to export (repeatable; default: every mesh)", collectList)
      .addOption(new Option("--format <format>", "output format").choices(formats).default("meshplane"))
      .option("-o, --output <file>", "write to this file instead of stdout (.json writes JSON, .yaml/.yml YAML)")
      .action(async (options: ExportOptions, self: Command) => {
        const { api } = connect(connectionOptions(self), io);
        try {
          const meshes = options.mesh && options.mesh.length > 0 ? options.mesh : await listMeshNames(api);
          const state = await readCurrentState(api, meshes);
          const missing = meshes.filter((mesh) => !state.meshes.get(mesh));
          if (missing.length > 0) throw new CliFailure(`no such mesh: ${missing.join(", ")}`);
          const resources: ExportedResource[] = state.resources.map((resource) => ({
            kind: resource.kind,
            meshName: resource.meshName,
            parentName: resource.parentName,
            name: resource.name,
            spec: normalizeSpec(resource.spec) as Record<string, unknown>,
            tags: resource.tags,
            ...(resource.kind === "mesh" ? { arn: resource.arn } : {}),
          }));
          // Policies are meshplane's own: the meshplane format carries them; CloudFormation and the controller cannot.
          const policies = (await Promise.all(meshes.map((mesh) => readablePolicies(api, mesh, io)))).flat();
          if (policies.length > 0 && options.format !== "meshplane") {
            io.stderr.write(`notice: ${policies.length} meshplane ${policies.length === 1 ? "policy is" : "policies are"} not in the ${options.format} output (only --format meshplane carries policies)\n`);
          }
          const text = serialize(options.format, resources, options.format === "meshplane" ? policies.map(toExportedPolicy) : [], options.output);
          if (options.output) writeFileSync(path.resolve(io.cwd, options.output), text);
          else io.stdout.write(text);
        } finally {
          await api.close();
        }
      });
  },
};

/**
 * A mesh's policies, or none with a notice when the principal may not read them: App Mesh's managed policies grant
 * `appmesh:*` only, and such a user's export of the App Mesh resources must still work.
 */
async function readablePolicies(api: Parameters<typeof listPolicies>[0], mesh: string, io: CliIo): Promise<Awaited<ReturnType<typeof listPolicies>>> {
  try {
    return await listPolicies(api, mesh);
  } catch (error) {
    if (!(CliFailure.is(error) && error.message.startsWith("ForbiddenException"))) throw error;
    io.stderr.write(`notice: the policies of mesh ${mesh} are not exported (${error.message}); grant meshplane:ListPolicies and meshplane:GetPolicy to export them\n`);
    return [];
  }
}
