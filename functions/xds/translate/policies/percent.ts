// Percentages and durations in the forms Envoy's policy filters take.
import { create } from "@bufbuild/protobuf";
import { durationFromMs, type Duration } from "@bufbuild/protobuf/wkt";
import { FractionalPercent_DenominatorType, FractionalPercentSchema, type FractionalPercent } from "../../../../proto/gen/envoy/type/v3/percent_pb.js";
import { RuntimeFractionalPercentSchema, type RuntimeFractionalPercent } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { AppMeshDuration } from "../../../policies/index.js";

/** A percentage with up to four decimals, exactly, as parts per million. */
export function fractionalPercent(percentage: number): FractionalPercent {
  return create(FractionalPercentSchema, { numerator: Math.round(percentage * 10_000), denominator: FractionalPercent_DenominatorType.MILLION });
}

/** An always-on (or `percentage`) runtime fraction; the runtime key is never set at runtime, so the default holds. */
export function runtimePercent(runtimeKey: string, percentage = 100): RuntimeFractionalPercent {
  return create(RuntimeFractionalPercentSchema, { runtimeKey, defaultValue: fractionalPercent(percentage) });
}

export const durationMsOf = (duration: AppMeshDuration): number => (duration.unit === "ms" ? duration.value : duration.value * 1000);

export const toDuration = (duration: AppMeshDuration): Duration => durationFromMs(durationMsOf(duration));
