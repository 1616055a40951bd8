/** Waiting helpers the conformance cases share: bounded waits that never hang a case. */

export const PENDING = Symbol("pending");

/** Resolves to the promise's value, or PENDING if it has not settled after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof PENDING>((resolve) => {
    timer = setTimeout(() => resolve(PENDING), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts `body` now; a failure surfaces where the promise is awaited, never as an unhandled rejection. */
export function background(body: () => Promise<void>): Promise<void> {
  const running = body();
  running.catch(() => {});
  return running;
}
