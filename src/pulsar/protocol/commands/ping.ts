// Keep-alive probes; either side may send PING, the other must answer PONG.
//
//   PING {} → PONG {}
import { create } from '@bufbuild/protobuf';
import { type BaseCommand, BaseCommand_Type, BaseCommandSchema } from '../generated/pulsar_api_pb.js';

export function pingCommand(): BaseCommand {
  return create(BaseCommandSchema, { type: BaseCommand_Type.PING, ping: {} });
}

export function pongCommand(): BaseCommand {
  return create(BaseCommandSchema, { type: BaseCommand_Type.PONG, pong: {} });
}
