/**
 * The package's .proto (proto/ipc_atlas.proto) loaded once with @grpc/proto-loader, the
 * TypeScript shapes of its messages, and the arithmetic that turns gRPC's message limit
 * (which counts encoded protobuf bytes) into the payload limit that Producer.send checks.
 */

import { fileURLToPath } from "node:url";
import { type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

export const PROTO_PATH: string = fileURLToPath(new URL("../proto/ipc_atlas.proto", import.meta.url));

/** gRPC's default receive limit (grpc.max_receive_message_length): 4 MiB of encoded message. */
export const DEFAULT_GRPC_MESSAGE_LIMIT = 4 * 1024 * 1024;

const definition = loadSync(PROTO_PATH, {
  // Field names as written in the .proto; 64-bit counters as numbers (they stay far below 2^53).
  keepCase: true,
  longs: Number,
  defaults: true,
});
const loaded = loadPackageDefinition(definition).ipc_atlas as GrpcObject;

export const GreeterClientConstructor = loaded.Greeter as ServiceClientConstructor;
export const MessagesClientConstructor = loaded.Messages as ServiceClientConstructor;
export const greeterServiceDefinition = GreeterClientConstructor.service;
export const messagesServiceDefinition = MessagesClientConstructor.service;

export interface HelloRequest {
  name: string;
}
export interface HelloReply {
  message: string;
}
export interface PersonRequest {
  name: string;
}
export interface PersonInfo {
  name: string;
  age: number;
  email: string;
  bio: string;
}
export interface WireMessage {
  data: Uint8Array;
}
export interface StreamSummary {
  taken: number;
}

function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

/** Encoded size of `Message { bytes data = 1 }` carrying `payload` bytes (proto3 omits an empty field). */
export function encodedMessageSize(payload: number): number {
  return payload === 0 ? 0 : 1 + varintLength(payload) + payload;
}

/** The largest payload gRPC's default 4 MiB limit lets a message carry. */
export const defaultMaxMessageSize: number = largestPayload(DEFAULT_GRPC_MESSAGE_LIMIT);

/** The largest payload whose encoded Message fits in a gRPC message limit of `limit` bytes. */
export function largestPayload(limit: number): number {
  let payload = Math.max(0, limit - 6);
  while (encodedMessageSize(payload + 1) <= limit) payload++;
  while (payload > 0 && encodedMessageSize(payload) > limit) payload--;
  return payload;
}
