// The ack_set of batch-index acknowledgement (PIP-54): a bitset in 64-bit words (java.util.BitSet.toLongArray,
// index i in bit i % 64 of word i / 64), bit i set while member i is unacknowledged; an empty set means every
// member is. Bits past the end of the set are clear, as in BitSet. The broker sends one with a batch entry
// (CommandMessage.ack_set) and we send one in ACK (MessageIdData.ack_set); it ANDs ours into what it keeps.

/** True when the broker says member `index` was acknowledged already. */
export function clearedInAckSet(ackSet: readonly bigint[], index: number): boolean {
  return ackSet.length > 0 && (((ackSet[index >> 6] ?? 0n) >> BigInt(index & 63)) & 1n) === 0n;
}

/**
 * How many of the first `size` members the ack_set leaves outstanding: what the broker charged permits for.
 * Bounded by the set's length, not by `size`, which may come from corrupt metadata.
 */
export function outstandingInAckSet(ackSet: readonly bigint[], size: number): number {
  if (ackSet.length === 0) return size;
  let count = 0;
  for (let word = 0; word < ackSet.length && word * 64 < size; word++) {
    let bits = BigInt.asUintN(64, ackSet[word]!);
    const limit = Math.min(64, size - word * 64);
    if (limit < 64) bits &= (1n << BigInt(limit)) - 1n;
    for (; bits !== 0n; bits &= bits - 1n) count++;
  }
  return count;
}

/**
 * The ack_set to send for a batch whose members are marked 1 while outstanding: signed words (the field is
 * int64), trailing zero words dropped as toLongArray does. Empty when nothing is outstanding, which on the wire
 * is an ack of the whole entry.
 */
export function ackSetOf(outstanding: Uint8Array): bigint[] {
  const words: bigint[] = [];
  let last = -1;
  for (let word = 0; word * 64 < outstanding.length; word++) {
    let bits = 0n;
    const end = Math.min(outstanding.length, word * 64 + 64);
    for (let i = end - 1; i >= word * 64; i--) bits = (bits << 1n) | BigInt(outstanding[i]!);
    words.push(BigInt.asIntN(64, bits));
    if (bits !== 0n) last = word;
  }
  words.length = last + 1;
  return words;
}
