/**
 * gRPC status codes as typed ipc-atlas errors. A failed call carries a status (DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED, UNAVAILABLE, ...); GrpcError keeps it (`status`, `statusName`, and the
 * code `GRPC_<NAME>`) and adds a hint that says what to do. It is registered with core, so a
 * GrpcError raised in a producer process is still a GrpcError in the process that drives it.
 */

import { type ServiceError, status as Status } from "@grpc/grpc-js";
import { IpcError, registerErrorClass } from "@ipc-atlas/core";

const hints: Partial<Record<Status, string>> = {
  [Status.DEADLINE_EXCEEDED]:
    "the other side did not answer before the deadline; check that the consumer is reading, or raise deadlineMs",
  [Status.RESOURCE_EXHAUSTED]:
    "the message is larger than the receiver's limit (grpc.max_receive_message_length); split it or open with a larger maxMessageSize",
  [Status.UNAVAILABLE]:
    "nothing answers at the address, or the connection dropped; start the consumer (the gRPC server) and retry",
  [Status.CANCELLED]: "the call was cancelled, by the caller or because the server shut down",
  [Status.FAILED_PRECONDITION]: "the stream was already ended by Producer.close(); open a new endpoint",
  [Status.NOT_FOUND]: "ask for something the server has",
  [Status.UNIMPLEMENTED]: "the server does not offer this method; check that both sides use the same .proto",
};

export class GrpcError extends IpcError {
  /**
   * @param status the gRPC status code of the failed call
   * @param message what failed, and the server's details
   */
  constructor(status: Status, message: string, options: { hint?: string; cause?: unknown } = {}) {
    const name = Status[status] ?? `STATUS_${status}`;
    const hint = options.hint ?? hints[status];
    super(`GRPC_${name}`, message, {
      ...(hint ? { hint } : {}),
      details: { status, statusName: name },
      cause: options.cause,
    });
  }

  /** The gRPC status code (a getter over `details`, so it survives errorFromJSON). */
  get status(): Status {
    return (this.details?.status as Status | undefined) ?? Status.UNKNOWN;
  }

  get statusName(): string {
    return (this.details?.statusName as string | undefined) ?? "UNKNOWN";
  }
}
registerErrorClass(GrpcError);

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number";
}

/** Turns a failed call into a GrpcError that names the call and the target. */
export function toGrpcError(error: unknown, what: string, target: string): Error {
  if (!isServiceError(error)) return error instanceof Error ? error : new Error(String(error));
  return new GrpcError(
    error.code,
    `${what} at ${target} failed with ${Status[error.code]}: ${error.details}`,
    {
      cause: error,
    },
  );
}
