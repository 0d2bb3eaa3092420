// What the control channel's records mean: the output's topic, key and properties, extra messages, log lines.
// Record kinds and their fields (after the kind), as scripts/lib/pf-function.sh writes them:
//
//   output-topic          TOPIC
//   output-key            KEY
//   output-no-key                                    the output has no key (instead of the input's)
//   output-property       NAME VALUE
//   output-no-properties                             drop the inherited and the already set properties
//   publish               TOPIC PAYLOAD *( "key" KEY / "property" NAME VALUE )
//   log                   LEVEL MESSAGE              LEVEL: debug | info | warn | error
//
// Every field but PAYLOAD is text and must be valid UTF-8; topics and property names must not be empty.
import { ControlProtocolError } from './control-reader.ts';
import { type ExtraMessage, type Invocation, type OutputMessage, ScriptLogLevel } from './types.ts';

export const ControlRecordKind = {
  OutputTopic: 'output-topic',
  OutputKey: 'output-key',
  OutputNoKey: 'output-no-key',
  OutputProperty: 'output-property',
  OutputNoProperties: 'output-no-properties',
  Publish: 'publish',
  Log: 'log',
} as const;
export type ControlRecordKind = (typeof ControlRecordKind)[keyof typeof ControlRecordKind];

const levels: ReadonlySet<string> = new Set(Object.values(ScriptLogLevel));
// fatal: a record's text must round-trip; ignoreBOM: a leading U+FEFF is part of the text.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface ScriptLog {
  readonly level: ScriptLogLevel;
  readonly message: string;
}

/** Accumulates the records of one run. */
export class ControlRecords {
  #topic: string | undefined;
  #key:
    | { readonly mode: 'inherit' }
    | { readonly mode: 'none' }
    | { readonly mode: 'set'; readonly key: string } = {
    mode: 'inherit',
  };
  #inheritProperties = true;
  readonly #properties = new Map<string, string>();
  readonly #extra: ExtraMessage[] = [];

  /** Applies one record; returns the log line when it is one. Throws ControlProtocolError. */
  apply(fields: readonly Uint8Array[], index: number): ScriptLog | undefined {
    const kind = text(fields, 0, index, 'record kind');
    const arity = (n: number) => {
      if (fields.length !== n + 1) {
        fail(index, `'${kind}' takes ${n} field${n === 1 ? '' : 's'}, got ${fields.length - 1}`);
      }
    };
    switch (kind) {
      case ControlRecordKind.OutputTopic:
        arity(1);
        this.#topic = nonEmpty(fields, 1, index, 'topic');
        return undefined;
      case ControlRecordKind.OutputKey:
        arity(1);
        this.#key = { mode: 'set', key: text(fields, 1, index, 'key') };
        return undefined;
      case ControlRecordKind.OutputNoKey:
        arity(0);
        this.#key = { mode: 'none' };
        return undefined;
      case ControlRecordKind.OutputProperty:
        arity(2);
        this.#properties.set(
          nonEmpty(fields, 1, index, 'property name'),
          text(fields, 2, index, 'property value'),
        );
        return undefined;
      case ControlRecordKind.OutputNoProperties:
        arity(0);
        this.#inheritProperties = false;
        this.#properties.clear();
        return undefined;
      case ControlRecordKind.Publish:
        this.#extra.push(publish(fields, index));
        return undefined;
      case ControlRecordKind.Log: {
        arity(2);
        const level = text(fields, 1, index, 'log level');
        if (!levels.has(level)) fail(index, `unknown log level '${level}' (debug, info, warn or error)`);
        return { level: level as ScriptLogLevel, message: text(fields, 2, index, 'log message') };
      }
      default:
        return fail(index, `unknown record kind '${kind}'`);
    }
  }

  /** The output message for this stdout (undefined when empty: the message is filtered). */
  output(payload: Uint8Array, invocation: Invocation, forwardProperties: boolean): OutputMessage | undefined {
    if (payload.byteLength === 0) return undefined;
    const key =
      this.#key.mode === 'set' ? this.#key.key : this.#key.mode === 'none' ? undefined : invocation.key;
    const properties: Record<string, string> =
      this.#inheritProperties && forwardProperties ? { ...invocation.properties } : {};
    for (const [name, value] of this.#properties) properties[name] = value;
    return { topic: this.#topic, payload, key, properties, eventTime: invocation.eventTime };
  }

  extraMessages(): readonly ExtraMessage[] {
    return this.#extra;
  }
}

function publish(fields: readonly Uint8Array[], index: number): ExtraMessage {
  if (fields.length < 3)
    fail(index, `'publish' takes a topic and a payload, got ${fields.length - 1} fields`);
  const topic = nonEmpty(fields, 1, index, 'topic');
  const payload = fields[2]!;
  let key: string | undefined;
  const properties: Record<string, string> = {};
  let i = 3;
  while (i < fields.length) {
    const option = text(fields, i, index, 'publish option');
    if (option === 'key' && i + 1 < fields.length) {
      key = text(fields, i + 1, index, 'key');
      i += 2;
    } else if (option === 'property' && i + 2 < fields.length) {
      properties[nonEmpty(fields, i + 1, index, 'property name')] = text(
        fields,
        i + 2,
        index,
        'property value',
      );
      i += 3;
    } else {
      fail(index, `'publish' option '${option}' is unknown or lacks its value`);
    }
  }
  return { topic, payload, key, properties };
}

function text(fields: readonly Uint8Array[], at: number, index: number, what: string): string {
  try {
    return utf8.decode(fields[at]);
  } catch {
    return fail(index, `the ${what} is not valid UTF-8`);
  }
}

function nonEmpty(fields: readonly Uint8Array[], at: number, index: number, what: string): string {
  const value = text(fields, at, index, what);
  if (value === '') fail(index, `the ${what} is empty`);
  return value;
}

function fail(index: number, message: string): never {
  throw new ControlProtocolError(`record ${index}: ${message}`);
}
