/**
 * Finding the nats-server program: `$NATS_SERVER_BIN`, else the first `nats-server` on PATH.
 * When there is none, the error names the command that installs it, so a newcomer's first run
 * says what to do instead of failing with ENOENT from spawn.
 */

import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { MissingProgramError } from "@ipc-atlas/core";

const PROGRAM = "nats-server";

/** How to install nats-server on this system (Debian's package puts it in /usr/sbin). */
export function installHint(): string {
  const debian = existsSync("/etc/debian_version");
  return debian
    ? "apt-get install nats-server (Debian/Ubuntu; it installs /usr/sbin/nats-server, so make sure /usr/sbin is on PATH)"
    : "download nats-server from https://github.com/nats-io/nats-server/releases and put it on PATH (on Debian/Ubuntu: apt-get install nats-server)";
}

/**
 * Where the nats-server binary is: $NATS_SERVER_BIN, else the first `nats-server` on PATH.
 * Throws MissingProgramError naming the install command when there is none.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.NATS_SERVER_BIN;
  const candidates = explicit
    ? [explicit]
    : (env.PATH ?? "")
        .split(delimiter)
        .filter((d) => d.length > 0)
        .map((d) => join(d, PROGRAM));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  throw new MissingProgramError(
    explicit ? `${PROGRAM} (NATS_SERVER_BIN=${explicit})` : PROGRAM,
    installHint(),
  );
}
