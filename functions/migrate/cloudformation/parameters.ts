// Parameters and pseudo parameters of a template: values given on the command line (`--parameter Key=Value`)
// or the parameter's Default, checked against its Type and constraints (AllowedValues, AllowedPattern,
// Min/MaxLength, Min/MaxValue) as CloudFormation checks them; a parameter is only required when something
// meshplane evaluates refers to it (parameters of ECS or IAM resources need no value).
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
import { MigrateError } from "../migrate-error.js";
import type { ValueSite } from "../model-mapping.js";
import type { Origins } from "../source.js";
import type { Template } from "./template.js";

/** What CloudFormation would know about the stack: `AWS::StackName`, `AWS::Region`, `AWS::AccountId`. */
export interface StackSettings {
  stackName?: string;
  region: string;
  accountId?: string;
}

export const pseudoParameters = ["AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"];

function pseudoParameter(name: string, settings: StackSettings): unknown {
  const china = settings.region.startsWith("cn-");
  switch (name) {
    case "AWS::Region":
      return settings.region;
    case "AWS::Partition":
      return china ? "aws-cn" : settings.region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    case "AWS::URLSuffix":
      return china ? "amazonaws.com.cn" : "amazonaws.com";
    case "AWS::NotificationARNs":
      return [];
    case "AWS::StackName":
      if (settings.stackName === undefined) throw new Error("AWS::StackName has no value: pass --stack-name NAME (the name the stack had in CloudFormation)");
      return settings.stackName;
    case "AWS::AccountId":
      if (settings.accountId === undefined) throw new Error("AWS::AccountId has no value: pass --account-id, or create a mesh first so that meshplane's account is known");
      return settings.accountId;
    default:
      throw new Error(`${name} has no value outside CloudFormation`);
  }
}

const isListType = (type: string) => type.startsWith("List<") || type === "CommaDelimitedList" || type.startsWith("AWS::SSM::Parameter::Value<List<");

/** The value given on the command line, else the Default, as text (lists comma-separated). */
function valueText(definition: Record<string, unknown>, given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  if (definition.Default === undefined || definition.Default === null) return undefined;
  return Array.isArray(definition.Default) ? definition.Default.join(",") : String(definition.Default);
}

function parseValue(definition: Record<string, unknown>, text: string): string | string[] {
  if (!isListType(String(definition.Type))) return text;
  return text === "" ? [] : text.split(",").map((item) => item.trim());
}

function checkConstraints(name: string, definition: Record<string, unknown>, value: string | string[]): string | undefined {
  const type = String(definition.Type);
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if ((type === "Number" || type === "List<Number>") && (item.trim() === "" || !Number.isFinite(Number(item)))) return `"${item}" is not a number`;
    const allowed = Array.isArray(definition.AllowedValues) ? definition.AllowedValues.map(String) : undefined;
    if (allowed && !allowed.includes(item)) return `"${item}" is not one of its AllowedValues (${allowed.join(", ")})`;
    if (typeof definition.AllowedPattern === "string" && !new RegExp(`^(?:${definition.AllowedPattern})$`).test(item)) return `"${item}" does not match its AllowedPattern ${definition.AllowedPattern}`;
    if (definition.MinLength !== undefined && item.length < Number(definition.MinLength)) return `"${item}" is shorter than its MinLength ${String(definition.MinLength)}`;
    if (definition.MaxLength !== undefined && item.length > Number(definition.MaxLength)) return `"${item}" is longer than its MaxLength ${String(definition.MaxLength)}`;
    if (definition.MinValue !== undefined && Number(item) < Number(definition.MinValue)) return `${item} is below its MinValue ${String(definition.MinValue)}`;
    if (definition.MaxValue !== undefined && Number(item) > Number(definition.MaxValue)) return `${item} is above its MaxValue ${String(definition.MaxValue)}`;
  }
  return undefined;
}

/**
 * `Ref` of parameters and pseudo parameters for one template; values are strings (lists for List types). Every
 * parameter that has a value (given or Default) is checked against its constraints at once, as CloudFormation
 * does, whether or not meshplane's part of the template uses it.
 */
export function createParameterResolver(template: Template, given: ReadonlyMap<string, string>, settings: StackSettings, origins: Origins) {
  const resolved = new Map<string, unknown>();
  const parameters = template.parameters;
  for (const [name, definition] of Object.entries(parameters)) {
    const text = valueText(definition, given.get(name));
    if (text === undefined || String(definition.Type).startsWith("AWS::SSM::")) continue;
    const problem = checkConstraints(name, definition, parseValue(definition, text));
    if (problem) throw new MigrateError(`parameter ${name}: ${problem}`, origins.locate(parameters, name));
  }

  return (name: string, site: ValueSite): unknown => {
    if (pseudoParameters.includes(name)) {
      try {
        return pseudoParameter(name, settings);
      } catch (error) {
        throw new MigrateError((error as Error).message, origins.locate(site.container, site.key));
      }
    }
    if (resolved.has(name)) return resolved.get(name);
    const definition = parameters[name];
    if (!definition) throw new MigrateError(`Ref to ${name}, which is neither a parameter nor a resource of this template`, origins.locate(site.container, site.key));
    const type = String(definition.Type);
    const text = valueText(definition, given.get(name));
    if (text === undefined || (type.startsWith("AWS::SSM::Parameter::Value<") && !given.has(name))) {
      throw new MigrateError(
        `parameter ${name} has no value${type.startsWith("AWS::SSM::") ? " (meshplane cannot read SSM parameters)" : ""}: pass --parameter ${name}=VALUE`,
        origins.locate(site.container, site.key),
      );
    }
    const value = parseValue(definition, text);
    resolved.set(name, value);
    return value;
  };
}
