/**
 * What the network variants share to keep strangers out (see DESIGN.md, "Security defaults").
 *
 * - A token per endpoint: `open()` makes a random one (or takes `open({ token })`) and puts it
 *   in the address; producers present it, consumers compare it in constant time. The address
 *   is a secret from then on: children get it through the IPC channel or the environment,
 *   never argv, and logs show it only through `redact()`.
 * - Beyond loopback, TLS: `open({ tls: true })` makes a certificate authority and a server
 *   certificate for this endpoint (tls.ts); a host that is not loopback without TLS is refused
 *   with InsecureListenError unless the caller says `insecure: true`, which warns.
 */

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { IpcError, registerErrorClass } from "./errors.ts";
import { makeCertificates, type TlsMaterial } from "./tls.ts";
import type { OpenOptions } from "./variant.ts";

/** Listening beyond loopback without TLS, and without an explicit `insecure`. */
export class InsecureListenError extends IpcError {
  constructor(host: string, variant: string) {
    super(
      "EINSECURE",
      `${variant} refuses to listen on ${host} without TLS: messages and the token would cross the network in clear`,
      {
        hint: "open it with tls: true (--tls on the command line), or with insecure: true (--insecure) on a network you trust",
        details: { host },
      },
    );
  }
}

/** A producer presented no token, or the wrong one, and the consumer refused it. */
export class AuthError extends IpcError {
  constructor(what: string) {
    super("EAUTH", `${what}: the consumer refused this producer's token`, {
      hint: "use the whole address that open() returned (it carries the token); a stale or hand-made address has the wrong one",
    });
  }
}

/** A producer could not verify the server's certificate against the address's CA. */
export class TlsVerifyError extends IpcError {
  constructor(where: string, reason: string) {
    super("ETLSVERIFY", `the server at ${where} failed TLS verification (${reason})`, {
      hint: "the server's certificate is not one the address's CA signed: use the address that open() returned, or pass the CA that signed your certificate",
      details: { reason },
    });
  }
}

/** A limit (size, count, time) that is not a number the variant can use. */
export class InvalidLimitError extends IpcError {
  constructor(name: string, value: unknown, range: string) {
    super("EINVAL", `${name} must be ${range}, got ${String(value)}`, {
      hint: `pass ${name} as ${range}, or leave it out for the default`,
      details: { name, value: String(value) },
    });
  }
}

for (const cls of [InsecureListenError, AuthError, TlsVerifyError, InvalidLimitError])
  registerErrorClass(cls);

/** Checks that `value` is a whole number in [min, max]; returns it. */
export function checkLimit(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidLimitError(name, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A fresh secret: 32 random bytes, URL-safe base64 (fits a header, a NATS config, a URL). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Whether `given` is the token, in time that does not depend on where they differ: both are
 * hashed first, so the comparison runs on equal-length digests whatever the peer sent.
 */
export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== "string") return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

/** Whether listening on `host` keeps the endpoint on this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "::ffff:127.0.0.1"
  );
}

/** What a network endpoint's address carries for its security: absent fields mean "without". */
export interface EndpointSecurity {
  token?: string;
  tls?: TlsMaterial;
}

/**
 * Decides a network endpoint's security from its open options: a token unless `insecure`
 * (or the caller's own), TLS when asked (made here, or the caller's), and a refusal for a
 * non-loopback host with neither TLS nor `insecure`.
 */
export async function endpointSecurity(
  variant: string,
  host: string,
  options: Pick<OpenOptions, "token" | "tls" | "insecure">,
): Promise<EndpointSecurity> {
  if (options.token !== undefined && (typeof options.token !== "string" || options.token.length < 16)) {
    throw new InvalidLimitError("token", "(hidden)", "a string of at least 16 characters");
  }
  if (!options.tls && !options.insecure && !isLoopback(host)) throw new InsecureListenError(host, variant);
  if (options.insecure && options.token === undefined) {
    process.emitWarning(
      `${variant} runs with insecure: true — no token${options.tls ? "" : " and no TLS"}: anyone who reaches ${host} can send, end the stream or read`,
      { code: "IPC_ATLAS_INSECURE" },
    );
  }
  const security: EndpointSecurity = {};
  const token = options.token ?? (options.insecure ? undefined : newToken());
  if (token !== undefined) security.token = token;
  if (options.tls === true) security.tls = await makeCertificates(host);
  else if (options.tls) security.tls = options.tls;
  return security;
}

/** An address (or any JSON) with its secrets replaced, fit for logs and error messages. */
export function redact(value: unknown): unknown {
  if (typeof value === "string") return redactUrl(value);
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = /^(token|key|password|pass|secret)$/i.test(key) && v !== undefined ? "[redacted]" : redact(v);
  }
  return out;
}

/** A URL with `user:password@` (or `token@`) replaced, e.g. from NATS_URL. */
export function redactUrl(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1[redacted]@");
}

/**
 * The security options a network demo runs with, from the environment the `ipc-atlas demo`
 * command sets (--host, --tls, --insecure become IPC_ATLAS_HOST, IPC_ATLAS_TLS, IPC_ATLAS_INSECURE).
 */
export function demoSecurity(
  env: NodeJS.ProcessEnv = process.env,
): Pick<OpenOptions, "host" | "tls" | "insecure"> {
  const on = (v: string | undefined) => v !== undefined && v !== "" && v !== "0" && v !== "false";
  return {
    ...(env.IPC_ATLAS_HOST ? { host: env.IPC_ATLAS_HOST } : {}),
    ...(on(env.IPC_ATLAS_TLS) ? { tls: true } : {}),
    ...(on(env.IPC_ATLAS_INSECURE) ? { insecure: true } : {}),
  };
}
