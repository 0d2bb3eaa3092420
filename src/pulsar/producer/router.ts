// Chooses the partition of each message, as Apache's Java client does by default (RoundRobinPartition with
// the JavaStringHash scheme), so that pf-bash and Java producers put the same key on the same partition.
//
// - Keyed messages: `(String.hashCode(key) & 0x7fffffff) % partitions`.
// - Unkeyed, batching on: every message of one time window goes to the same partition and the window moves
//   to the next partition; a window lasts 10 × batchingMaxPublishDelayMs (Java's default
//   batchingPartitionSwitchFrequencyByPublishDelay is 10). Whole batches then form on one partition.
// - Unkeyed, batching off: plain per-message round-robin.
// Both round-robins start at a random partition so that many producers do not all begin on partition 0.
import { javaStringHash } from '../protocol/index.ts';
import { type Clock, monotonicNow } from '../util/index.ts';

/** How many publish delays one unkeyed partition window lasts (Java's default). */
export const PARTITION_SWITCH_DELAYS = 10;

export interface RouterOptions {
  readonly partitions: number;
  readonly batchingEnabled: boolean;
  readonly batchingMaxPublishDelayMs: number;
  readonly clock: Clock;
  /** Partition the round-robin starts from; 0 ≤ startIndex < partitions. */
  readonly startIndex: number;
}

/** Partition of a keyed message: Java's `signSafeMod(key.hashCode() & Integer.MAX_VALUE, partitions)`. */
export function partitionForKey(key: string, partitions: number): number {
  return (javaStringHash(key) & 0x7fffffff) % partitions;
}

export class PartitionRouter {
  private readonly partitions: number;
  private readonly clock: Clock;
  private readonly switchMs: number;
  private next: number;

  constructor(options: RouterOptions) {
    this.partitions = options.partitions;
    this.clock = options.clock;
    this.switchMs = options.batchingEnabled
      ? Math.max(1, PARTITION_SWITCH_DELAYS * options.batchingMaxPublishDelayMs)
      : 0;
    this.next = options.startIndex;
  }

  choose(key: string | undefined): number {
    if (key !== undefined) return partitionForKey(key, this.partitions);
    if (this.switchMs > 0) {
      return (Math.floor(monotonicNow(this.clock) / this.switchMs) + this.next) % this.partitions;
    }
    const partition = this.next;
    this.next = (this.next + 1) % this.partitions;
    return partition;
  }
}
