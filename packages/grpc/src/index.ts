/**
 * @ipc-atlas/grpc — gRPC between processes: grpc-os over a Unix domain socket, grpc-network
 * over TCP/IP. The consumer is the gRPC server; producers call its Messages service (unary
 * Send, synchronous; client-streaming Stream for throughput). The Greeter service is the
 * classic hello example the demo narrates.
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { grpcNetwork } from "./grpc-network.ts";
import { grpcOs } from "./grpc-os.ts";

export { parseGrpcCommandLine } from "./command-line.ts";
export {
  type ConsumerOptions,
  DEFAULT_MAX_WAITING,
  DEFAULT_MAX_WAITING_BYTES,
  DEFAULT_SERVER_DEADLINE_MS,
  GrpcConsumer,
  type ServiceRegistration,
} from "./consumer.ts";
export { runGrpcDemo } from "./demo.ts";
export { GrpcError, toGrpcError } from "./errors.ts";
export {
  demoPeople,
  GreeterClient,
  type GreeterClientOptions,
  type GreeterObserver,
  greeterService,
  type Person,
} from "./greeter.ts";
export { addressAt, type GrpcNetworkAddress, grpcNetwork, hostPort } from "./grpc-network.ts";
export { clearStaleSocket, type GrpcOsAddress, grpcOs } from "./grpc-os.ts";
export {
  connectProducer,
  type GrpcAddressBase,
  type GrpcOpenOptions,
  type GrpcVariant,
} from "./grpc-variant.ts";
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DEADLINE_MS,
  DEFAULT_STREAM_DEADLINE_MS,
  GrpcProducer,
  type ProducerOptions,
} from "./producer.ts";
export {
  DEFAULT_GRPC_MESSAGE_LIMIT,
  defaultMaxMessageSize,
  encodedMessageSize,
  GreeterClientConstructor,
  greeterServiceDefinition,
  largestPayload,
  MessagesClientConstructor,
  messagesServiceDefinition,
  type PersonInfo,
  PROTO_PATH,
} from "./proto.ts";

export { GrpcStreamProducer } from "./stream-producer.ts";
export { GrpcUnaryProducer } from "./unary-producer.ts";

export const variants: AnyVariant[] = [grpcOs, grpcNetwork];
