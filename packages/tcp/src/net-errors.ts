/**
 * Errors from listen() and connect() turned into typed errors that say which address and what
 * to do (EADDRINUSE names the program to look for, ECONNREFUSED says to start the consumer).
 */

import { networkInterfaces } from "node:os";
import { AddressError, type IpcError } from "@ipc-atlas/core";
import { where } from "./address.ts";

function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => i.address);
}

/** Turns an error from listen() into a typed error that says which address and what to do. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): IpcError {
  const at = port === 0 ? host : where(host, port);
  switch (error.code) {
    case "EADDRINUSE":
      return new AddressError(
        "EADDRINUSE",
        `port ${port} on ${host} is already in use, so the consumer cannot listen at ${at}`,
        `another program (or another consumer) listens there — see it with: ss -ltnp 'sport = :${port}'; stop it, choose another port, or open the endpoint again to get a free one`,
        { host, port },
      );
    case "EACCES":
      return new AddressError(
        "EACCES",
        `permission denied to listen at ${at}`,
        "ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port from 1024 up, or 0 for a free one",
        { host, port },
      );
    case "EADDRNOTAVAIL":
      return new AddressError(
        "EADDRNOTAVAIL",
        `${host} is not an address of this machine, so nothing can listen at ${at}`,
        `listen on 127.0.0.1 (this host only), 0.0.0.0 (every interface) or one of: ${localAddresses().join(", ")}`,
        { host, port },
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new AddressError(
        "ENOTFOUND",
        `cannot resolve host "${host}"`,
        "check the spelling, or give an IP address",
        {
          host,
        },
      );
    default:
      return new AddressError(
        error.code ?? "EUNKNOWN",
        `cannot listen at ${at}: ${error.message}`,
        "check host and port",
        {
          host,
          port,
        },
      );
  }
}

/** Turns an error from connect() into a typed error that says where it tried to connect. */
export function connectError(error: NodeJS.ErrnoException, host: string, port: number): IpcError {
  const at = where(host, port);
  switch (error.code) {
    case "ECONNREFUSED":
      return new AddressError(
        "ECONNREFUSED",
        `connection refused at ${at}: nothing is listening there`,
        "start the consumer first (it listens; producers connect), and check the host and port",
        { host, port },
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new AddressError(
        "ENOTFOUND",
        `cannot resolve host "${host}" to connect to ${at}`,
        "check the host name",
        {
          host,
          port,
        },
      );
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new AddressError(
        error.code,
        `cannot reach ${at} (${error.code})`,
        "check the address, that the consumer's host is up, and any firewall between the hosts",
        { host, port },
      );
    default:
      return new AddressError(
        error.code ?? "EUNKNOWN",
        `cannot connect to ${at}: ${error.message}`,
        "check host and port",
        {
          host,
          port,
        },
      );
  }
}
