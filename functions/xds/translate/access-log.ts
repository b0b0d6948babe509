// App Mesh `logging.accessLog.file` → Envoy's file access logger (docs/envoy-translation.md §11).
import { create } from "@bufbuild/protobuf";
import type { JsonObject } from "@bufbuild/protobuf";
import type { Logging, VirtualGatewayLogging } from "../../appmesh/model/types.generated.js";
import { AccessLogSchema, type AccessLog } from "../../../proto/gen/envoy/config/accesslog/v3/accesslog_pb.js";
import { FileAccessLogSchema, type FileAccessLog } from "../../../proto/gen/envoy/extensions/access_loggers/file/v3/file_pb.js";
import { SubstitutionFormatStringSchema } from "../../../proto/gen/envoy/config/core/v3/substitution_format_string_pb.js";
import { typedConfig } from "./common.js";

function fileAccessLogFormat(logging: Logging | VirtualGatewayLogging): FileAccessLog["accessLogFormat"] {
  const format = logging.accessLog?.file?.format;
  if (format?.text !== undefined) {
    // Envoy writes a text format as is; App Mesh users write one line per request without the newline.
    const text = format.text.endsWith("\n") ? format.text : `${format.text}\n`;
    return {
      case: "logFormat",
      value: create(SubstitutionFormatStringSchema, { format: { case: "textFormatSource", value: { specifier: { case: "inlineString", value: text } } } }),
    };
  }
  if (format?.json !== undefined) {
    const fields: JsonObject = {};
    for (const { key, value } of format.json) fields[key] = value;
    return { case: "logFormat", value: create(SubstitutionFormatStringSchema, { format: { case: "jsonFormat", value: fields } }) };
  }
  return { case: undefined };
}

/** No access log configured → none emitted (Envoy would otherwise log nowhere useful). */
export function translateAccessLogs(logging: Logging | VirtualGatewayLogging | undefined): AccessLog[] {
  const file = logging?.accessLog?.file;
  if (file === undefined || logging === undefined) return [];
  return [
    create(AccessLogSchema, {
      name: "envoy.access_loggers.file",
      configType: typedConfig(FileAccessLogSchema, create(FileAccessLogSchema, { path: file.path, accessLogFormat: fileAccessLogFormat(logging) })),
    }),
  ];
}
