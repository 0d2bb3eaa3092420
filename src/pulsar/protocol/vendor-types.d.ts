// Types for the untyped npm packages the protocol layer uses.
declare module 'snappyjs' {
  /** Raw Snappy block: uvarint length header, then elements. */
  export function compress(input: Uint8Array): Uint8Array;
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
