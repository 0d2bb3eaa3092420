// Record ↔ repeated KeyValue, the protocol's way to carry string maps.
import { create } from '@bufbuild/protobuf';
import { type KeyValue, KeyValueSchema } from '../generated/pulsar_api_pb.js';

export function keyValues(record: Readonly<Record<string, string>> | undefined): KeyValue[] {
  if (record === undefined) return [];
  return Object.entries(record).map(([key, value]) => create(KeyValueSchema, { key, value }));
}

/** Later duplicates win, as in Apache's clients. */
export function keyValuesToRecord(list: readonly KeyValue[]): Record<string, string> {
  // fromEntries defines own properties, so a "__proto__" key stays data instead of changing the prototype.
  return Object.fromEntries(list.map(({ key, value }) => [key, value]));
}
