// What send() checks of each message before accepting it. A bad field must be refused here, in the caller's
// turn: later it would only surface while a frame is built or encoded — inside the batch timer, or while a
// reconnect writes the queue again — where nothing can report it to the caller.
import { InvalidArgumentError } from '../errors.ts';
import type { OutgoingMessage } from '../types.ts';

const MAX_UINT64 = (1n << 64n) - 1n;

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function invalid(field: string, expected: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(field, `expected ${expected}, got \`${show(value)}\``);
}

/** The first problem with `message`, naming its field; undefined when it can be sent. Sizes are not checked here. */
export function checkMessage(message: OutgoingMessage): InvalidArgumentError | undefined {
  if (typeof message !== 'object' || message === null) return invalid('message', 'an object', message);
  if (!(message.payload instanceof Uint8Array)) return invalid('payload', 'a Uint8Array', message.payload);
  const { key, orderingKey, properties, eventTime, sequenceId } = message;
  if (key !== undefined && typeof key !== 'string') return invalid('key', 'a string', key);
  if (orderingKey !== undefined && !(orderingKey instanceof Uint8Array)) {
    return invalid('orderingKey', 'a Uint8Array', orderingKey);
  }
  if (properties !== undefined) {
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
      return invalid('properties', 'an object of string values', properties);
    }
    for (const name in properties) {
      if (!Object.hasOwn(properties, name)) continue;
      const value = properties[name];
      if (typeof value !== 'string') return invalid(`properties.${name}`, 'a string', value);
    }
  }
  if (eventTime !== undefined && !(Number.isSafeInteger(eventTime) && eventTime >= 0)) {
    return invalid('eventTime', 'milliseconds since the epoch', eventTime);
  }
  if (
    sequenceId !== undefined &&
    (typeof sequenceId !== 'bigint' || sequenceId < 0n || sequenceId > MAX_UINT64)
  ) {
    return invalid('sequenceId', 'a bigint between 0 and 2^64-1', sequenceId);
  }
  return undefined;
}
