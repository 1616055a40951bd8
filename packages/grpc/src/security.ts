/**
 * The token and TLS for gRPC. Producers (and the Greeter client) add `authorization: Bearer
 * <token>` to every call's metadata through a client interceptor; the consumer's server checks
 * it in a server interceptor as soon as the metadata arrives, so a stranger's call ends with
 * UNAUTHENTICATED before its message is read and before any service sees it (the Greeter too).
 * TLS uses grpc-js's own credentials: the server's certificate and key, the client's CA.
 */

import { connect } from "node:tls";
import {
  type ChannelCredentials,
  credentials,
  InterceptingCall,
  type Interceptor,
  type Metadata,
  ResponderBuilder,
  type ServerCredentials,
  ServerCredentials as ServerCredentialsClass,
  ServerInterceptingCall,
  type ServerInterceptor,
  ServerListenerBuilder,
  status as Status,
} from "@grpc/grpc-js";
import { type TlsMaterial, TlsVerifyError, tokenMatches } from "@ipc-atlas/core";

/** A client interceptor that presents the token on every call. */
export function presentToken(token: string): Interceptor {
  const value = `Bearer ${token}`;
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata: Metadata, listener, next) {
        metadata.set("authorization", value);
        next(metadata, listener);
      },
    });
}

/**
 * A server interceptor that ends a call as soon as its metadata arrives, before its message is
 * read: without the token (when there is one) UNAUTHENTICATED, and then whatever `refuse`
 * says for the method (the consumer's RESOURCE_EXHAUSTED when it is full).
 */
export function gate(
  token: string | undefined,
  onUnauthenticated: () => void,
  refuse: (path: string) => { code: Status; details: string } | null,
): ServerInterceptor {
  return (method, call) => {
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        if (token !== undefined) {
          const given = metadata.get("authorization")[0];
          const bearer =
            typeof given === "string" && given.startsWith("Bearer ") ? given.slice(7) : undefined;
          if (!tokenMatches(token, bearer)) {
            onUnauthenticated();
            call.sendStatus({
              code: Status.UNAUTHENTICATED,
              details: "this consumer needs the token from its address (authorization: Bearer <token>)",
            });
            return;
          }
        }
        const refusal = refuse(method.path);
        if (refusal) call.sendStatus(refusal);
        else next(metadata);
      })
      .build();
    return new ServerInterceptingCall(
      call,
      new ResponderBuilder().withStart((next) => next(listener)).build(),
    );
  };
}

export function serverCredentials(tls: Pick<TlsMaterial, "cert" | "key"> | undefined): ServerCredentials {
  if (!tls) return ServerCredentialsClass.createInsecure();
  return ServerCredentialsClass.createSsl(
    null,
    [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
    false,
  );
}

export function channelCredentials(ca: string | undefined): ChannelCredentials {
  return ca ? credentials.createSsl(Buffer.from(ca)) : credentials.createInsecure();
}

/**
 * Why a TLS channel to `target` (host:port) failed, when it is the certificate: grpc-js only
 * reports "unavailable", so a direct handshake with the same CA tells a wrong CA from nothing
 * listening. Undefined when the handshake succeeds or fails for another reason.
 */
export function tlsProblem(target: string, ca: string): Promise<TlsVerifyError | undefined> {
  const colon = target.lastIndexOf(":");
  const host = target.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const port = Number(target.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port, ca, timeout: 2000 }, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      socket.destroy();
      const code = error.code ?? "";
      resolve(
        /CERT|SIGNATURE|SELF_SIGNED|ISSUER|ALTNAME/.test(code) ? new TlsVerifyError(target, code) : undefined,
      );
    });
  });
}
