// A spec read back in the form's words: labels from the model, nested sections for structures and lists.
import { orderedMembers, shapeOf } from "../model/shapes.js";
import { labelFor } from "../model/labels.js";

function ValueView({ shape, value }: { shape: string; value: unknown }) {
  const model = shapeOf(shape);
  if (model.type === "structure" && typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const entries = orderedMembers(shape).filter(([name]) => record[name] !== undefined);
    if (entries.length === 0) return <span class="muted">Empty</span>;
    return (
      <dl class="spec">
        {entries.map(([name, member]) => (
          <div class="spec-row">
            <dt>{labelFor(shape, name)}</dt>
            <dd>
              <ValueView shape={member.shape} value={record[name]} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (model.type === "list" && Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">None</span>;
    const itemShape = model.member!.shape;
    if (shapeOf(itemShape).type !== "structure") return <span>{value.map(String).join(", ")}</span>;
    return (
      <ol class="spec-list">
        {value.map((item) => (
          <li>
            <ValueView shape={itemShape} value={item} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === "boolean") return <span>{value ? "Yes" : "No"}</span>;
  return <span class="spec-value">{String(value)}</span>;
}

export function SpecView({ shape, value }: { shape: string; value: unknown }) {
  return <ValueView shape={shape} value={value ?? {}} />;
}

