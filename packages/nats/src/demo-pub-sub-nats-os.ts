/**
 * The pub-sub-nats-os demo: what publish/subscribe is and how it differs from a queue, with a
 * real nats-server and subscriber processes. This process is the publisher; every subscriber
 * is a separate process (examples/01-subscriber.ts).
 */

import { type Narrator, newToken, redactUrl } from "@ipc-atlas/core";
import { type NatsAddress, newSubject } from "./connection.ts";
import { messageCounters, type SubscriberProcess, startSubscriber } from "./demo-support.ts";
import { natsProducer } from "./publisher.ts";
import { natsUrlsFromEnv, startNatsServer } from "./server.ts";

const encode = (text: string) => Buffer.from(text);

export async function runOsDemo(narrator: Narrator): Promise<void> {
  narrator.note(
    "Publish/subscribe: a publisher sends to a subject; nats-server hands a copy to every subscription on that subject at that moment, and keeps nothing.",
  );
  const existing = natsUrlsFromEnv();
  // A server of our own requires a token (in its 0600 config file, never on its command line).
  const server = existing ? undefined : await startNatsServer({ token: newToken() });
  const servers = existing ?? [server!.url];
  const auth = server?.token ? { token: server.token } : {};
  if (server)
    narrator.say("nats-server", "STARTED", `${server.url} (pid ${server.pid}), clients need its token`);
  else narrator.say("nats-server", "EXISTING", `${servers.map(redactUrl).join(", ")} (from NATS_URL)`);
  const started: SubscriberProcess[] = [];
  const subscribe = async (address: NatsAddress, actor: string) => {
    const sub = await startSubscriber(narrator, address, actor);
    started.push(sub);
    return sub;
  };
  try {
    // 1. Fan-out.
    narrator.note("1. Fan-out: two subscriber processes on one subject; each gets every message.");
    const fanOut: NatsAddress = { servers, subject: newSubject("demo"), ...auth };
    const fans = await Promise.all([subscribe(fanOut, "subscriber A"), subscribe(fanOut, "subscriber B")]);
    const publisher = await natsProducer(fanOut);
    for (const text of ["#1 hello", "#2 one publish", "#3 two copies"]) {
      narrator.say("publisher", "SEND", JSON.stringify(text));
      await publisher.send(encode(text));
    }
    await publisher.close();
    narrator.say("publisher", "CLOSE", "END marker published: every subscriber stops");
    await Promise.all(fans.map((s) => s.done));

    // 2. Nobody listening.
    narrator.note(
      "2. A message published while nobody subscribes is gone. (In the message-queues demo it waits in the queue until a consumer comes.)",
    );
    const late: NatsAddress = { servers, subject: newSubject("demo"), ...auth };
    const lonely = await natsProducer(late);
    const before = server ? await messageCounters(server.monitorUrl) : undefined;
    narrator.say("publisher", "SEND", '"#1 anyone there?" (no subscriber yet)');
    await lonely.send(encode("#1 anyone there?"));
    await lonely.flush();
    if (server && before) {
      const after = await messageCounters(server.monitorUrl);
      narrator.say(
        "nats-server",
        "DROPPED",
        `#1: no subscription on the subject (messages in +${after.in - before.in}, delivered +${after.out - before.out})`,
      );
    }
    const latecomer = await subscribe(late, "subscriber C");
    narrator.say("publisher", "SEND", '"#2 now someone listens"');
    await lonely.send(encode("#2 now someone listens"));
    await lonely.close();
    await latecomer.done;
    narrator.note("subscriber C saw only #2: #1 was published before it subscribed.");

    // 3. Queue group.
    narrator.note(
      '3. Queue group: subscribers in the same group ("workers") share the messages: each goes to ONE member, chosen by the server.',
    );
    const group: NatsAddress = { servers, subject: newSubject("demo"), queue: "workers", ...auth };
    const workers = await Promise.all([subscribe(group, "worker 1"), subscribe(group, "worker 2")]);
    const dispatcher = await natsProducer(group);
    for (let i = 1; i <= 6; i++) {
      narrator.say("publisher", "SEND", `"job #${i}"`);
      await dispatcher.send(encode(`job #${i}`));
    }
    await dispatcher.close();
    narrator.say("publisher", "CLOSE", "END goes to every member (on a control subject outside the group)");
    await Promise.all(workers.map((s) => s.done));
  } finally {
    for (const sub of started) sub.child.kill("SIGKILL");
    await server?.stop();
    if (server) narrator.say("nats-server", "STOPPED", "its temporary directory removed");
  }
}
