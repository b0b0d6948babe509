// What every field of one form shares: the error to show (at the field it names, or the nearest field drawn) and
// the names of existing resources that reference fields offer.
import { createContext } from "preact";
import type { ResourceKind } from "../api/appmesh.js";

export interface FieldError {
  /** The path of the field the message is shown at. */
  path: string;
  message: string;
}

export interface FormContextValue {
  error: FieldError | null;
  /** Fields call this while rendering, so the form knows which paths it draws. */
  register(path: string): void;
  /** Names of the mesh's resources by kind, for fields that must name one. */
  references: Partial<Record<ResourceKind, readonly string[]>>;
}

export const FormContext = createContext<FormContextValue>({ error: null, register: () => undefined, references: {} });

/** Members whose value names another resource of the mesh (the kind descriptors' references, by shape member). */
export const referenceMembers: Readonly<Record<string, { kind: ResourceKind; mustExist: boolean }>> = {
  "WeightedTarget.virtualNode": { kind: "virtualNode", mustExist: true },
  "VirtualNodeServiceProvider.virtualNodeName": { kind: "virtualNode", mustExist: true },
  "VirtualRouterServiceProvider.virtualRouterName": { kind: "virtualRouter", mustExist: true },
  "GatewayRouteVirtualService.virtualServiceName": { kind: "virtualService", mustExist: true },
  "VirtualServiceBackend.virtualServiceName": { kind: "virtualService", mustExist: false },
};
