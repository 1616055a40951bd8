/**
 * Producer mode "stream": one client-streaming Stream call carries the messages. send() resolves
 * once grpc-js accepted the message; flush() and close() resolve once the consumer took them all.
 */

import { ClosedError, MessageTooLargeError } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { grpcOs } from "../src/index.ts";

describe("grpc-os producer mode stream", () => {
  it("keeps call order across un-awaited sends and flush(); flush and close wait for the consumer", async () => {
    const endpoint = await grpcOs.open({ maxMessageSize: 1024 });
    const consumer = await grpcOs.consumer(endpoint.address);
    const producer = await grpcOs.producer(endpoint.address, { mode: "stream" });
    const received: number[] = [];
    const reading = (async () => {
      for await (const message of consumer) received.push(Buffer.from(message).readUInt32BE(0));
    })();
    const message = (seq: number) => {
      const m = Buffer.alloc(64);
      m.writeUInt32BE(seq, 0);
      return m;
    };
    try {
      const sends: Promise<void>[] = [];
      for (let seq = 0; seq < 500; seq++) sends.push(producer.send(message(seq)));
      const flushed = producer.flush();
      // Sent while the flush switches to a new Stream call: they must still come after.
      for (let seq = 500; seq < 1000; seq++) sends.push(producer.send(message(seq)));
      expect(await flushed).toBe(500);
      expect(
        received.length,
        "flush() resolved only after the consumer took the first 500",
      ).toBeGreaterThanOrEqual(500);
      await Promise.all(sends);

      await expect(producer.send(new Uint8Array(1025))).rejects.toBeInstanceOf(MessageTooLargeError);
      await producer.close();
      await reading;
      expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(consumer.taken).toBe(1000);
      await expect(producer.send(message(0))).rejects.toBeInstanceOf(ClosedError);
      await expect(producer.flush()).rejects.toBeInstanceOf(ClosedError);
    } finally {
      await consumer.close();
      await endpoint.close();
    }
  });
});
