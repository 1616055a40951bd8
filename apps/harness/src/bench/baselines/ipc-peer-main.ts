/** The forked child of the node-ipc baseline: its end of the parent↔child IPC channel. */

import { servePeer } from "./peer-side.ts";

const post = (value: unknown) =>
  new Promise<void>((resolve, reject) => {
    process.send!(value, undefined, undefined, (error) => (error ? reject(error) : resolve()));
  });

process.on("message", servePeer(post));
process.on("disconnect", () => process.exit(0));
