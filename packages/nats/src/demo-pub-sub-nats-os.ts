/**
 * The pub-sub-nats-os demo: what publish/subscribe is and how it differs from a queue, with a
 * real nats-server, subscriber processes (examples/01-subscriber.ts) and publisher processes
 * (examples/02-publisher.ts), each its own OS process.
 */

import { type ChildHandle, type Narrator, newToken, redactUrl } from "@ipc-atlas/core";
import { type NatsAddress, newSubject } from "./connection.ts";
import { messageCounters, startPublisher, startSubscriber } from "./demo-support.ts";
import { natsUrlsFromEnv, startNatsServer } from "./server.ts";

export async function runOsDemo(narrator: Narrator): Promise<void> {
  narrator.note(
    "Publish/subscribe through a broker: publishers and subscribers connect to nats-server, never to each other; it hands a copy to every subscription on the subject at that moment, and keeps nothing.",
  );
  const existing = natsUrlsFromEnv();
  // A server of our own requires a token (in its 0600 config file, never on its command line).
  const server = existing ? undefined : await startNatsServer({ token: newToken() });
  const servers = existing ?? [server!.url];
  const auth = server?.token ? { token: server.token } : {};
  if (server)
    narrator.say("nats-server", "STARTED", `${server.url} (pid ${server.pid}), clients need its token`);
  else narrator.say("nats-server", "EXISTING", `${servers.map(redactUrl).join(", ")} (from NATS_URL)`);
  const started: Array<{ child: ChildHandle }> = [];
  const publish = (address: NatsAddress, texts: string[]) => {
    const publisher = startPublisher(narrator, address, texts);
    started.push(publisher);
    return publisher;
  };
  const subscribe = async (address: NatsAddress, actor: string) => {
    const sub = await startSubscriber(narrator, address, actor);
    started.push(sub);
    return sub;
  };
  try {
    narrator.note("1. Fan-out: two subscribers on one subject; each gets its own copy of every message.");
    const fanOut: NatsAddress = { servers, subject: newSubject("demo"), ...auth };
    const fanOutPublisher = publish(fanOut, ["#1 hello", "#2 one publish", "#3 two copies"]);
    const fans = await Promise.all([subscribe(fanOut, "subscriber A"), subscribe(fanOut, "subscriber B")]);
    await fanOutPublisher.publish();
    await Promise.all(fans.map((s) => s.done));

    narrator.note(
      "2. Nobody subscribes yet: the message is gone (a queue would keep it until a consumer comes).",
    );
    const late: NatsAddress = { servers, subject: newSubject("demo"), ...auth };
    const first = publish(late, ["#1 anyone there?"]);
    const second = publish(late, ["#2 now someone listens"]);
    await first.connected;
    const before = server ? await messageCounters(server.monitorUrl) : undefined;
    await first.publish();
    if (server && before) {
      const after = await messageCounters(server.monitorUrl);
      narrator.say(
        "nats-server",
        "DROPPED",
        `#1 and its END: no subscription (messages in +${after.in - before.in}, delivered +${after.out - before.out})`,
      );
    }
    const latecomer = await subscribe(late, "subscriber C");
    await second.publish();
    await latecomer.done;

    narrator.note(
      '3. Queue group: two subscribers in the group "workers" share the messages: each goes to ONE member.',
    );
    const group: NatsAddress = { servers, subject: newSubject("demo"), queue: "workers", ...auth };
    const jobs = publish(
      group,
      [1, 2, 3, 4, 5, 6].map((i) => `job #${i}`),
    );
    const workers = await Promise.all([subscribe(group, "worker 1"), subscribe(group, "worker 2")]);
    await jobs.publish();
    await Promise.all(workers.map((s) => s.done));
  } finally {
    for (const sub of started) sub.child.kill("SIGKILL");
    await server?.stop();
    if (server) narrator.say("nats-server", "STOPPED", "its temporary directory removed");
  }
}
