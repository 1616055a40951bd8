/**
 * What one nats-server is told: its command line and, for secrets, a config file. Secrets never
 * go on the command line (another local user can read it in /proc): a token for clients, TLS
 * certificates and a cluster's route password are written to a file (0600) in the server's
 * private directory, and nats-server gets only that file's path (`-c`).
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TlsMaterial } from "@ipc-atlas/core";

/** Everything needed to start (and restart) one server; ports are filled in by the first start. */
export interface ServerPlan {
  name: string;
  jetstream: boolean;
  port: number; // -1 until the first start picked one
  monitorPort: number;
  clusterPort?: number;
  clusterName?: string;
  routes?: string[];
  extraArgs: string[];
  readyTimeoutMs: number;
  token?: string | undefined;
  tls?: Pick<TlsMaterial, "cert" | "key"> | undefined;
  /** Routes between cluster nodes authenticate with this (a cluster with a token only). */
  routePassword?: string | undefined;
}

/** Writes the 0600 config file with what must not be on the command line; undefined if nothing must. */
export async function writeServerConfig(plan: ServerPlan, dir: string): Promise<string | undefined> {
  const lines: string[] = [];
  if (plan.token) lines.push(`authorization { token: ${JSON.stringify(plan.token)} }`);
  if (plan.tls) {
    const cert = join(dir, "server-cert.pem");
    const key = join(dir, "server-key.pem");
    await writeFile(cert, plan.tls.cert, { mode: 0o600 });
    await writeFile(key, plan.tls.key, { mode: 0o600 });
    lines.push(`tls { cert_file: ${JSON.stringify(cert)}, key_file: ${JSON.stringify(key)} }`);
  }
  if (plan.clusterPort !== undefined && plan.routePassword) {
    const routes = (plan.routes ?? []).map((r) =>
      JSON.stringify(r.replace("nats://", `nats://route:${plan.routePassword}@`)),
    );
    lines.push(
      `cluster { name: ${JSON.stringify(plan.clusterName ?? "ipc-atlas")}, listen: "127.0.0.1:${plan.clusterPort}", ` +
        `authorization { user: route, password: ${JSON.stringify(plan.routePassword)} }, routes: [${routes.join(", ")}] }`,
    );
  }
  if (lines.length === 0) return undefined;
  const file = join(dir, "server.conf");
  await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return file;
}

/**
 * The command line: loopback only, the ports (or -1 for "the kernel picks"), a ports file in
 * `dir/ports` that says which ones it got, the JetStream store in `dir/jetstream`. A cluster
 * without a route password is given on the command line (nothing in it is secret).
 */
export function serverArgs(plan: ServerPlan, dir: string, config?: string): string[] {
  const args = ["-a", "127.0.0.1", "-p", String(plan.port), "-m", String(plan.monitorPort), "-n", plan.name];
  if (config) args.push("-c", config);
  args.push("--ports_file_dir", join(dir, "ports"));
  if (plan.jetstream) args.push("-js", "-sd", join(dir, "jetstream"));
  if (plan.clusterPort !== undefined && !plan.routePassword) {
    args.push(
      "--cluster",
      `nats://127.0.0.1:${plan.clusterPort}`,
      "--cluster_name",
      plan.clusterName ?? "ipc-atlas",
    );
    if (plan.routes && plan.routes.length > 0) args.push("--routes", plan.routes.join(","));
  }
  args.push(...plan.extraArgs);
  return args;
}
