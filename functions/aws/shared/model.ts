// The parts of a generated botocore model (scripts/aws-model/generate.mjs) that the shared protocol code reads, typed
// by plain strings so that one implementation serves every service's model.generated.ts.

/** A member of a structure: its shape, and where it travels in a REST request (absent: the JSON body). */
export interface ModelMember {
  shape: string;
  location?: string;
  locationName?: string;
  idempotencyToken?: boolean;
}

/** A shape with the constraints its model states (lengths and sizes in `min`/`max`, values for numbers). */
export interface ModelShape {
  type: string;
  required?: readonly string[];
  /** Exactly one member is set. */
  union?: boolean;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: readonly string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  members?: Readonly<Record<string, ModelMember>>;
  error?: { httpStatusCode: number; senderFault?: boolean };
  exception?: boolean;
}

/** An operation's binding, its input and output shapes and the errors it may return. */
export interface ModelOperation {
  method: string;
  requestUri: string;
  input?: string;
  output?: string;
  errors: readonly string[];
}

/** One service's generated model, as `model.generated.ts` exports it. */
export interface ServiceModel {
  readonly operations: Readonly<Record<string, ModelOperation>>;
  readonly shapes: Readonly<Record<string, ModelShape>>;
}
