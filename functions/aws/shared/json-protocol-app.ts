// The AWS JSON 1.1 protocol on Hono, for every stand-in at once: `POST /` with `X-Amz-Target: <prefix>.<Operation>`
// and an `application/x-amz-json-1.1` body holding the whole input; the answer is the output object, or an error
// `{"__type": "<exception>", "message": "…"}` with `x-amzn-ErrorType` and the model's status. The target picks the
// service; its model validates the input before its handler runs. Errors are rendered here and nowhere else.
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { AwsServiceError, protocolError } from "./aws-error.js";
import type { WriteContext } from "./commit-retry.js";
import type { ShapeValidator } from "./shape-validator.js";
import { writeContextOf } from "./write-context.js";

/**
 * One operation's implementation: the validated input in, the output object out (epoch-second timestamps). `write`
 * carries the call's audit entry; a handler that changes anything passes it to its commit (StandInContext.commit).
 */
export type OperationHandler = (input: Record<string, unknown>, write: WriteContext) => Promise<object>;

export interface JsonService {
  /** The SigV4 signing name, which is also the IAM action prefix: servicediscovery, acm, acm-pca. */
  readonly name: string;
  /** The X-Amz-Target prefix, the model's `targetPrefix`: Route53AutoNaming_v20170314, CertificateManager, ACMPrivateCA. */
  readonly targetPrefix: string;
  /** Every operation of the model; those without a handler answer UnknownOperationException saying so. */
  readonly modelOperations: readonly string[];
  readonly validator: ShapeValidator;
  readonly handlers: Readonly<Partial<Record<string, OperationHandler>>>;
}

/** Handlers typed by a service's generated operation map: each takes its validated input and returns its output. */
export type TypedHandlers<Operations extends { [Operation in keyof Operations]: { input: unknown; output: unknown } }> = {
  [Operation in keyof Operations]?: (input: Operations[Operation]["input"], write: WriteContext) => Promise<Operations[Operation]["output"]>;
};

/** The handlers of the operations `Names` of a service, every one present (what each handler file provides). */
export type HandlerSet<Operations extends { [Operation in keyof Operations]: { input: unknown; output: unknown } }, Names extends keyof Operations> = Required<
  Pick<TypedHandlers<Operations>, Names>
>;

/**
 * A JsonService from typed handlers. The shared protocol validates each input against the same model the types were
 * generated from, so the value a handler receives is of its input type.
 */
export function createJsonService<Operations extends { [Operation in keyof Operations]: { input: unknown; output: unknown } }>(definition: {
  name: string;
  targetPrefix: string;
  modelOperations: readonly string[];
  validator: ShapeValidator;
  handlers: TypedHandlers<Operations>;
}): JsonService {
  return { ...definition, handlers: definition.handlers as Readonly<Partial<Record<string, OperationHandler>>> };
}

export interface JsonProtocolOptions {
  services: readonly JsonService[];
  /**
   * Authentication, rate limits, authorisation and audit for one operation (functions/auth); runs after the target
   * is known and before the body is validated.
   */
  authorize?: (service: JsonService, operation: string) => MiddlewareHandler;
}

export const JSON_1_1 = "application/x-amz-json-1.1";

/** The one place a stand-in's failure becomes a response. Unknown failures are logged and answered generically. */
export function renderAwsError(c: Context, error: unknown): Response {
  const failure = AwsServiceError.is(error) ? error : protocolError.internal(error);
  if (failure.status >= 500) console.error("meshplane: internal error", failure.cause ?? failure);
  c.header("x-amzn-ErrorType", failure.code);
  c.header("content-type", JSON_1_1);
  return c.body(JSON.stringify({ __type: failure.code, message: failure.message, ...failure.fields }), failure.status as 400);
}

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined || value === "") return true;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return type.startsWith("application/x-amz-json") || type === "application/json";
}

async function readInput(c: Context): Promise<unknown> {
  if (!isJsonContentType(c.req.header("content-type"))) throw protocolError.serialization(`Content-Type ${c.req.header("content-type")} is not supported; send ${JSON_1_1}.`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await c.req.arrayBuffer());
  } catch {
    throw protocolError.serialization("The request body is not valid UTF-8.");
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw protocolError.serialization("The request body is not valid JSON.");
  }
}

/**
 * The app answering `POST /` for the given services; requests without `X-Amz-Target` fall through to later routes.
 * @example
 *   app.route("/", createJsonProtocolApp({ services: [cloudMap, acm, acmPca] }));
 */
export function createJsonProtocolApp(options: JsonProtocolOptions): Hono {
  const app = new Hono();
  const byPrefix = new Map(options.services.map((service) => [service.targetPrefix, service]));
  const guards = new Map<string, MiddlewareHandler>();

  app.post("/", async (c, next) => {
    const target = c.req.header("x-amz-target");
    if (target === undefined) return next();
    try {
      const dot = target.lastIndexOf(".");
      const service = byPrefix.get(target.slice(0, dot));
      const operation = target.slice(dot + 1);
      if (!service || !service.modelOperations.includes(operation)) return renderAwsError(c, protocolError.unknownOperation(target));
      const handler = service.handlers[operation];
      if (!handler) return renderAwsError(c, protocolError.notImplemented(target));
      let response: Response | undefined;
      const run = async () => {
        const input = service.validator.validateOperationInput(operation, await readInput(c));
        response = c.body(JSON.stringify(await handler(input, writeContextOf(c))), 200, { "content-type": JSON_1_1 });
      };
      if (options.authorize) {
        const key = `${service.name}:${operation}`;
        let guard = guards.get(key);
        if (!guard) guards.set(key, (guard = options.authorize(service, operation)));
        const refused = await guard(c, async () => {
          try {
            await run();
          } catch (error) {
            response = renderAwsError(c, error);
          }
          c.res = response!;
        });
        return refused instanceof Response ? refused : response ?? c.res;
      }
      await run();
      return response!;
    } catch (error) {
      return renderAwsError(c, error);
    }
  });
  return app;
}
