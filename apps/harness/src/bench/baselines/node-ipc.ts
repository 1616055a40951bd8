/**
 * Baseline: Node's own child_process IPC channel. The bench child forks a peer and sends it
 * each message with `subprocess.send()` (serialization "advanced", so a Uint8Array travels as
 * bytes, not JSON). The channel is a Unix socketpair under the hood. A send resolves in the
 * callback Node calls once the message was written to the channel — "accepted by the medium",
 * the asynchronous variants' contract.
 */

import { spawnScript } from "@ipc-atlas/core";
import type { Baseline } from "./baseline.ts";
import { type PeerSetup, runMainSide } from "./baseline.ts";
import { peerChannel } from "./main-side.ts";

export const nodeIpcBaseline: Baseline = {
  id: "node-ipc",
  summary: "Node's child_process IPC channel: subprocess.send() to a forked child (serialization 'advanced')",
  scope: "inter-process (parent and forked child)",
  ceiling: "unix-socket",
  async start(plan, mode) {
    const child = spawnScript(new URL("./ipc-peer-main.ts", import.meta.url), { stdio: "inherit" });
    const post = (value: unknown) =>
      new Promise<void>((resolve, reject) => {
        child.process.send(value as object, undefined, undefined, (error) =>
          error ? reject(error) : resolve(),
        );
      });
    const channel = peerChannel(post, null);
    child.process.on("message", (message) => channel.link.deliver(message));
    void child.exited.then((code) => channel.gone(`node-ipc peer exited with code ${code}`));
    const setup: PeerSetup = { plan, mode, window: null, ownProcess: true };
    await post({ setup });
    await channel.ready;
    return {
      run: () => runMainSide(channel.link, setup, channel.report, mode === "one-way" ? "producer" : "pinger"),
      async close() {
        if (child.process.connected) child.process.disconnect();
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        await child.exited;
        clearTimeout(timer);
      },
    };
  },
};
