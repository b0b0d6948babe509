// The MigrateError a call throws (any other outcome fails the test), for asserting messages and locations.
import { MigrateError } from "../../functions/migrate/index.js";

export function migrateErrorOf(run: () => unknown): MigrateError {
  try {
    run();
  } catch (error) {
    if (MigrateError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a MigrateError");
}
