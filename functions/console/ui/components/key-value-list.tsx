// An editable list of name/value pairs (request headers, instance attributes) with Add and Remove buttons.

export interface KeyValue {
  key: string;
  value: string;
}

export interface KeyValueListProps {
  /** The fieldset's legend, e.g. "Headers". */
  legend: string;
  /** One entry in words, e.g. "header": labels read "Header 1 name", buttons "Add header". */
  item: string;
  /** What the key is called: "name" for headers, "key" for attributes. */
  keyWord: string;
  idPrefix: string;
  entries: readonly KeyValue[];
  onChange(entries: KeyValue[]): void;
}

export function KeyValueList(props: KeyValueListProps) {
  const title = `${props.item.charAt(0).toUpperCase()}${props.item.slice(1)}`;
  const update = (index: number, patch: Partial<KeyValue>) => props.onChange(props.entries.map((entry, i) => (i === index ? { ...entry, ...patch } : entry)));
  return (
    <fieldset class="group list">
      <legend>
        {props.legend}
        <span class="optional"> – optional</span>
      </legend>
      {props.entries.map((entry, index) => (
        <div class="header-row">
          <div class="field">
            <label for={`${props.idPrefix}-${index}-key`}>{`${title} ${index + 1} ${props.keyWord}`}</label>
            <input id={`${props.idPrefix}-${index}-key`} type="text" spellcheck={false} autoComplete="off" value={entry.key} onInput={(event) => update(index, { key: event.currentTarget.value })} />
          </div>
          <div class="field">
            <label for={`${props.idPrefix}-${index}-value`}>{`${title} ${index + 1} value`}</label>
            <input id={`${props.idPrefix}-${index}-value`} type="text" spellcheck={false} autoComplete="off" value={entry.value} onInput={(event) => update(index, { value: event.currentTarget.value })} />
          </div>
          <button type="button" class="button-link remove" onClick={() => props.onChange(props.entries.filter((_, i) => i !== index))}>
            {`Remove ${props.item} ${index + 1}`}
          </button>
        </div>
      ))}
      <button type="button" class="button-secondary" onClick={() => props.onChange([...props.entries, { key: "", value: "" }])}>
        {`Add ${props.item}`}
      </button>
    </fieldset>
  );
}
