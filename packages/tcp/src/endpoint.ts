import { createServer } from "node:net";
import { listenError } from "./net-errors.ts";

/**
 * Asks the kernel for a free port on `host` (listen on port 0, read the port, release it), so an
 * address is known before either peer starts. If another program takes the port before the
 * consumer listens, the consumer fails with EADDRINUSE and the endpoint can be opened again.
 * With `port` given, checks that it is free now and returns it.
 */
export async function reservePort(host: string, port = 0): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen({ host, port, exclusive: true }, resolve);
  });
  const bound = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}
