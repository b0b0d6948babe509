// Import inputs: files whose documents may each be a CloudFormation template (JSON or YAML, CDK output
// included), Kubernetes manifests of the App Mesh controller, or meshplane's export format. Loading parses and
// checks them (everything that needs no value from the API); resolving turns them into the App Mesh resources
// they want, given what exists, and may be repeated as resources get created (for values known only after).
import { MigrateError } from "./migrate-error.js";
import type { Notice } from "./notice.js";
import type { ExistingLookup, WantedResource } from "./resource.js";
import { Origins, parseSourceFile, type SourceDocument } from "./source.js";
import { prepareCloudFormation, resolveCloudFormation, type CloudFormationOptions, type PreparedTemplate } from "./cloudformation/import.js";
import { isCloudFormationTemplate } from "./cloudformation/template.js";
import { resolveKubernetes, type KubernetesOptions } from "./kubernetes/import.js";
import { isKubernetesObject } from "./kubernetes/objects.js";
import { isMeshplaneExport, resolveMeshplaneExport } from "./meshplane/format.js";
import { isPolicyDocument, resolvePolicies, type WantedPolicy } from "./meshplane/policies.js";

export interface InputFile {
  /** How messages name it (a path, or "-" for stdin). */
  name: string;
  text: string;
  /** Found by scanning a directory: documents of no known format are skipped with a notice, not refused. */
  scanned?: boolean;
}

export interface ImportSettings {
  cloudFormation: CloudFormationOptions;
  kubernetes: KubernetesOptions;
}

export type InputFormat = "cloudformation" | "kubernetes" | "meshplane";

export interface LoadedInputs {
  /** Which formats the inputs hold. */
  formats: ReadonlySet<InputFormat>;
  /** meshplane policies: those of meshplane exports and policy documents (meshplane/policies.ts). */
  policies: readonly WantedPolicy[];
  /** Notices from loading (skipped documents). */
  notices: readonly Notice[];
  /**
   * The resources the inputs want. `lookup` answers for resources that exist (CloudFormation `Fn::GetAtt
   * X.Uid`); without it such values are only known after apply.
   */
  resolve(lookup?: ExistingLookup): { resources: WantedResource[]; notices: Notice[] };
}

/** The format of one document, or undefined when it is none of them. */
export function detectFormat(value: unknown): InputFormat | undefined {
  if (isMeshplaneExport(value) || isPolicyDocument(value)) return "meshplane";
  if (isCloudFormationTemplate(value)) return "cloudformation";
  if (isKubernetesObject(value)) return "kubernetes";
  return undefined;
}

/** Parses and checks the inputs; throws a located MigrateError for anything wrong before a value is needed. */
export function loadInputs(files: readonly InputFile[], settings: ImportSettings): LoadedInputs {
  const origins = new Origins();
  const templates: PreparedTemplate[] = [];
  const manifests: SourceDocument[] = [];
  const exports: SourceDocument[] = [];
  const notices: Notice[] = [];
  const formats = new Set<InputFormat>();
  const policies: WantedPolicy[] = [];

  for (const file of files) {
    for (const document of parseSourceFile(file.name, file.text, origins)) {
      const format = detectFormat(document.value);
      const location = { file: file.name, document: document.index, line: document.lineOf([]) ?? 1 };
      if (format === undefined) {
        const message = "neither a CloudFormation template (no Resources), a Kubernetes object (no apiVersion and kind), nor a meshplane export";
        if (file.scanned) {
          notices.push({ message: `skipped: ${message}`, location });
          continue;
        }
        throw new MigrateError(message, location);
      }
      formats.add(format);
      if (format === "cloudformation") templates.push(prepareCloudFormation(document, origins));
      else if (format === "kubernetes") manifests.push(document);
      else {
        policies.push(...resolvePolicies(document, origins));
        if (!isPolicyDocument(document.value)) exports.push(document);
      }
    }
  }

  const declared = new Set(templates.flatMap((template) => Object.keys(template.template.parameters)));
  for (const name of settings.cloudFormation.parameters.keys()) {
    if (!declared.has(name)) throw new MigrateError(`--parameter ${name}: no template in the input declares a parameter ${name}`);
  }

  return {
    formats,
    policies,
    notices,
    resolve(lookup = () => undefined) {
      const resolveNotices: Notice[] = [];
      const resources = [
        ...templates.flatMap((template) => resolveCloudFormation(template, settings.cloudFormation, lookup, origins, resolveNotices)),
        ...(manifests.length > 0 ? resolveKubernetes(manifests, settings.kubernetes, origins, resolveNotices) : []),
        ...exports.flatMap((document) => resolveMeshplaneExport(document, origins)),
      ];
      return { resources, notices: [...notices, ...resolveNotices] };
    },
  };
}
