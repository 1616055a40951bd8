import { FrameDecoder } from "@ipc-atlas/core";

for (const n of [4096, 16384, 65536]) {
  const d = new FrameDecoder(1 << 20);
  const wire = Buffer.alloc(4 + n);
  wire.writeUInt32BE(n);
  const t = performance.now();
  for (let i = 0; i < wire.length; i++) d.push(wire.subarray(i, i + 1));
  console.log(n, (performance.now() - t).toFixed(0), "ms");
}
