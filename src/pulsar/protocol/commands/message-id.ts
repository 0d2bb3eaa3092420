// The MessageIdData shape builders accept (plain objects; protobuf-es turns them into messages).
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MessageIdDataSchema } from '../generated/pulsar_api_pb.js';

/** `{ ledgerId, entryId, partition?, batchIndex?, batchSize?, ackSet? }`. */
export type MessageIdInit = MessageInitShape<typeof MessageIdDataSchema>;
