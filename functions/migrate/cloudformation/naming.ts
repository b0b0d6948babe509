// CloudFormation's spelling of the model's members, as a FieldNaming for the model mapper (both directions).
import type { FieldNaming } from "../model-mapping.js";
import { cloudFormationPropertyNames } from "./property-names.js";

const toModelTable = new Map<string, Map<string, string>>(
  Object.entries(cloudFormationPropertyNames).map(([shape, members]) => [shape, new Map(Object.entries(members).map(([member, property]) => [property, member]))]),
);

export const cloudFormationNaming: FieldNaming = {
  toModel: (shape, key) => toModelTable.get(shape)?.get(key),
  fromModel: (shape, member) => cloudFormationPropertyNames[shape]?.[member] ?? member,
};
