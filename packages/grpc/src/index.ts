/**
 * @ipc-atlas/grpc — gRPC between processes: grpc-os over a Unix domain socket, grpc-network
 * over TCP/IP. The consumer is the gRPC server; producers call its Messages service (unary
 * Send, synchronous; client-streaming Stream for throughput). The Greeter service is the
 * classic hello example the demo narrates.
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { grpcNetwork } from "./grpc-network.ts";
import { grpcOs } from "./grpc-os.ts";

export { GrpcError, toGrpcError } from "./errors.ts";
export {
  demoPeople,
  GreeterClient,
  type GreeterClientOptions,
  type GreeterObserver,
  greeterService,
  type Person,
} from "./greeter.ts";
export { addressAt, freePort, type GrpcNetworkAddress, grpcNetwork, hostPort } from "./grpc-network.ts";
export { clearStaleSocket, type GrpcOsAddress, grpcOs } from "./grpc-os.ts";
export type { GrpcAddressBase, GrpcOpenOptions, GrpcVariant } from "./grpc-variant.ts";
export {
  type ConsumerOptions,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DEADLINE_MS,
  DEFAULT_STREAM_DEADLINE_MS,
  defaultMaxMessageSize,
  GrpcConsumer,
  GrpcProducer,
  type ProducerOptions,
  type ServiceRegistration,
} from "./messages.ts";
export {
  DEFAULT_GRPC_MESSAGE_LIMIT,
  encodedMessageSize,
  GreeterClientConstructor,
  greeterServiceDefinition,
  largestPayload,
  MessagesClientConstructor,
  messagesServiceDefinition,
  type PersonInfo,
  PROTO_PATH,
} from "./proto.ts";

export const variants: AnyVariant[] = [grpcOs, grpcNetwork];
