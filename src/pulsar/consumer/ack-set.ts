// The ack_set the broker sends with a batch entry when batch-index acknowledgement is on: a bitset in 64-bit
// words (java.util.BitSet.toLongArray), bit i set while member i is unacknowledged; an empty set means every
// member is. Bits past the end of the set are clear, as in BitSet.

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
