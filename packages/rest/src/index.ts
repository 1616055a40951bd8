/**
 * @ipc-atlas/rest — HTTP request/reply as a synchronous message stream: an express 5 server in
 * the consumer, a keep-alive undici client in the producer.
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { rest } from "./rest.ts";

export { type ErrorBody, HttpError, type HttpErrorOptions } from "./http-error.ts";
export { HttpProblem } from "./http-problem.ts";
export { MessageClient, type MessageClientOptions } from "./message-client.ts";
export {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_WAITING,
  DEFAULT_MAX_WAITING_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MessageServer,
  type MessageServerOptions,
} from "./message-server.ts";
export {
  parseRestAddress,
  type RestAddress,
  type RestOpenOptions,
  rest,
  restConsumer,
  restProducer,
} from "./rest.ts";

export const variants: AnyVariant[] = [rest];
