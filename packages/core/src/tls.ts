/**
 * Certificates for one endpoint: a certificate authority made for it alone and a server
 * certificate it signs, for the host the consumer listens on (and this machine's names and
 * loopback). The CA certificate goes in the address, so producers trust exactly this server;
 * the CA's private key is dropped once the server certificate is signed, so nothing else can
 * ever be signed by it. Made with @peculiar/x509 on Node's WebCrypto; ECDSA P-256 keys.
 */

import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";
import { IpcError } from "./errors.ts";

/** PEM texts. `ca` is what a producer verifies the server with; `cert` + `key` are the server's. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${base64.trimEnd()}\n-----END ${label}-----\n`;
}

/** Names the server certificate covers: the host, loopback, and for a wildcard this machine's addresses. */
function namesFor(host: string): { type: "ip" | "dns"; value: string }[] {
  const names = new Set(["127.0.0.1", "::1", "localhost", hostname()]);
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "0.0.0.0" || h === "::" || h === "") {
    for (const i of Object.values(networkInterfaces()).flat()) if (i) names.add(i.address);
  } else names.add(h);
  return [...names].map((value) => ({ type: isIP(value) ? "ip" : "dns", value }));
}

/** Makes a CA and a server certificate for `host`, valid from a minute ago for 30 days. */
export async function makeCertificates(host: string): Promise<TlsMaterial> {
  // Loaded only here, and an optional peer of core: a user of the POSIX queue installs none of it.
  const x509 = await import("@peculiar/x509").catch((error: unknown) => {
    throw new IpcError("ENOTLS", `tls: true needs the package @peculiar/x509, which is not installed`, {
      hint: "npm install @peculiar/x509@^1.14 (or pass certificates of your own)",
      cause: error,
    });
  });
  // Node's WebCrypto, typed as the DOM's Crypto that the library expects.
  const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1];
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 30 * DAY_MS);
  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, false, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=ipc-atlas endpoint CA",
      keys: caKeys,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    },
    crypto,
  );
  const serverKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: "CN=ipc-atlas endpoint",
      issuer: ca.subject,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(namesFor(host)),
      ],
    },
    crypto,
  );
  const key = await webcrypto.subtle.exportKey("pkcs8", serverKeys.privateKey);
  return { ca: ca.toString("pem"), cert: cert.toString("pem"), key: pem("PRIVATE KEY", key) };
}
