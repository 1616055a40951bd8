/**
 * @ipc-atlas/channels — Go-style channels for message passing inside one process: the
 * `Channel<T>` itself, and the two catalogue variants built on it.
 */

import type { AnyVariant } from "@ipc-atlas/core";
import { channelsBuffered } from "./channels-buffered.ts";
import { channelsUnbuffered } from "./channels-unbuffered.ts";

export { Channel, type ReceiveResult, type WaitOptions } from "./channel.ts";
export { channelConsumer, channelProducer, openChannelEndpoint } from "./channel-endpoint.ts";
export { channelsBuffered, DEFAULT_CAPACITY } from "./channels-buffered.ts";
export { channelsUnbuffered } from "./channels-unbuffered.ts";

export const variants: AnyVariant[] = [channelsBuffered, channelsUnbuffered];
