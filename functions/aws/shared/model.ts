// The parts of a generated botocore model (scripts/aws-model/generate.mjs): each service's model.generated.ts names
// them with its own shape names; the shared protocol code reads them with plain strings, so one implementation serves
// every service.

/** Where a member travels in a REST request (absent: the JSON body). */
export type ModelLocation = "uri" | "querystring" | "header" | "headers" | "statusCode";

/** A member of a structure: its shape, and where it travels in a request. `S` names the service's shapes. */
export interface ModelMember<S extends string = string> {
  shape: S;
  location?: ModelLocation;
  locationName?: string;
  idempotencyToken?: boolean;
}

/** A shape with the constraints its model states (lengths and sizes in `min`/`max`, values for numbers). */
export interface ModelShape<S extends string = string> {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "float" | "double" | "boolean" | "timestamp" | "blob";
  required?: readonly string[];
  /** Exactly one member is set. */
  union?: boolean;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: readonly string[];
  member?: { shape: S };
  key?: { shape: S };
  value?: { shape: S };
  members?: Readonly<Record<string, ModelMember<S>>>;
  error?: { httpStatusCode: number; senderFault?: boolean };
  exception?: boolean;
  box?: boolean;
}

/** An operation's HTTP binding, its input and output shapes and the errors it may return. */
export interface ModelOperation<S extends string = string> {
  method: string;
  requestUri: string;
  input?: S;
  output?: S;
  errors: readonly S[];
}

/** One service's generated model, as `model.generated.ts` exports it. */
export interface ServiceModel {
  readonly operations: Readonly<Record<string, ModelOperation>>;
  readonly shapes: Readonly<Record<string, ModelShape>>;
}
