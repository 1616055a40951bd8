/**
 * What the demo's two programs (examples/01-consumer.ts, examples/02-producer.ts) need that is
 * not the mechanism, kept here so that the examples show HTTP alone: reading the address,
 * narrating through the demo, the demo's start handshake, and the plain HTTP requests that show
 * what the server refuses. The demo hands the consumer the endpoint's listening socket and waits
 * for it to say it listens; the producer says it is ready and sends only on the demo's go. Run by
 * hand (no IPC channel), the handshake is skipped and the lines print.
 */

import { childNarrator, receiveListener, waitForGo } from "@ipc-atlas/core";
import type { Express } from "express";
import { Agent, request } from "undici";
import { parseRestAddress, type RestAddress } from "./rest.ts";

/**
 * The address: open()'s JSON in IPC_ATLAS_ADDRESS (it holds the token, so never in argv), or by
 * hand host:port (consumer) or http://host:port (producer), with the token in IPC_ATLAS_TOKEN.
 */
function addressFromCommandLine(): RestAddress {
  return parseRestAddress(process.env.IPC_ATLAS_ADDRESS ?? process.argv[2] ?? "127.0.0.1:8080");
}

/** In the consumer: the address, a narrator, and the listener if the demo sends one. */
export async function consumerProcess() {
  const address = addressFromCommandLine();
  const narrator = childNarrator("consumer (server)");
  if (process.send) await receiveListener(address);
  return {
    address,
    say: narrator.sayAs,
    /** Express middleware that narrates each request as it arrives. */
    logRequests(app: Express): void {
      app.use((req, _res, next) => {
        const length = req.get("content-length") ?? "0";
        narrator.sayAs(
          "REQUEST",
          `${req.method} ${req.path} (${length} bytes, ${req.get("content-type") ?? "no type"})`,
        );
        next();
      });
    },
    /** Says where the server listens, and tells the demo it may let the producer send. */
    listening(): void {
      const token = address.token ? "; every request must carry the token" : "";
      narrator.sayAs("LISTEN", `${address.url} (body limit ${address.maxMessageSize} bytes${token})`);
      process.send?.({ ready: true });
    },
  };
}

/** In the producer: the address and a narrator, once the demo says go. */
export async function producerProcess() {
  const address = addressFromCommandLine();
  const narrator = childNarrator("producer (client)");
  if (process.send) {
    const go = waitForGo();
    process.send({ ready: true });
    await go;
  }
  return { address, say: narrator.sayAs };
}

/**
 * One `POST /messages` made by hand, not by the Producer (which never sends what the server would
 * refuse): a body of `contentType`, with the address's token or without. Says the reply's status
 * and the error the server gave.
 */
export async function postByHand(
  address: RestAddress,
  { contentType = "application/octet-stream", token = true }: { contentType?: string; token?: boolean },
): Promise<string> {
  const dispatcher = address.tls ? new Agent({ connect: { ca: address.tls.ca } }) : undefined;
  try {
    const reply = await request(`${address.url}/messages`, {
      method: "POST",
      headers: {
        "content-type": contentType,
        ...(token && address.token ? { authorization: `Bearer ${address.token}` } : {}),
      },
      body: "a message",
      ...(dispatcher ? { dispatcher } : {}),
    });
    if (reply.statusCode < 300) {
      await reply.body.dump();
      return `${reply.statusCode}: accepted`;
    }
    const { error } = (await reply.body.json()) as { error: { code: string; message: string } };
    return `${reply.statusCode} ${error.code}: ${error.message}`;
  } finally {
    await dispatcher?.close();
  }
}
