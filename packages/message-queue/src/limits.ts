/**
 * The kernel's limits on POSIX message queues, read from where Linux keeps them, so that
 * errors can say what the limit is and where to change it.
 *
 *   /proc/sys/fs/mqueue/msg_max          largest maxMessages an unprivileged open may ask for
 *   /proc/sys/fs/mqueue/msgsize_max      largest messageSize an unprivileged open may ask for
 *   /proc/sys/fs/mqueue/msg_default      maxMessages when the creator gives none
 *   /proc/sys/fs/mqueue/msgsize_default  messageSize when the creator gives none
 *   /proc/sys/fs/mqueue/queues_max       how many queues may exist at once (system-wide)
 *   RLIMIT_MSGQUEUE (ulimit -q)          bytes of queue memory one user may reserve
 */

import { readFileSync } from "node:fs";

export const MQUEUE_SYSCTL_DIR = "/proc/sys/fs/mqueue";
/** Linux's MQ_PRIO_MAX: priorities run from 0 to 32767. */
export const MQ_PRIO_MAX = 32768;
/** NAME_MAX: the part of a queue name after its slash may have at most this many bytes. */
export const NAME_MAX = 255;

export interface SystemLimits {
  msgMax: number | undefined;
  msgsizeMax: number | undefined;
  msgDefault: number | undefined;
  msgsizeDefault: number | undefined;
  queuesMax: number | undefined;
  /** RLIMIT_MSGQUEUE soft limit in bytes, or undefined when unlimited or unknown. */
  rlimitBytes: number | undefined;
}

function readNumber(path: string): number | undefined {
  try {
    const value = Number.parseInt(readFileSync(path, "utf8"), 10);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function readRlimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max msgqueue size"));
    const soft = line?.slice("Max msgqueue size".length).trim().split(/\s+/)[0];
    return soft === undefined || soft === "unlimited" ? undefined : Number.parseInt(soft, 10);
  } catch {
    return undefined;
  }
}

export function systemLimits(): SystemLimits {
  return {
    msgMax: readNumber(`${MQUEUE_SYSCTL_DIR}/msg_max`),
    msgsizeMax: readNumber(`${MQUEUE_SYSCTL_DIR}/msgsize_max`),
    msgDefault: readNumber(`${MQUEUE_SYSCTL_DIR}/msg_default`),
    msgsizeDefault: readNumber(`${MQUEUE_SYSCTL_DIR}/msgsize_default`),
    queuesMax: readNumber(`${MQUEUE_SYSCTL_DIR}/queues_max`),
    rlimitBytes: readRlimit(),
  };
}
