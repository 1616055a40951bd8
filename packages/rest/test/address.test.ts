/** Addresses given by hand (host:port, a URL, open()'s JSON) and what open() puts in one. */

import { AddressError } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { DEFAULT_MAX_MESSAGE_SIZE, parseRestAddress, rest } from "../src/index.ts";

it("open() listens on loopback by default and says where, with its limits", async () => {
  const endpoint = await rest.open({ maxMessageSize: 4096 });
  expect(endpoint.address.listen.host).toBe("127.0.0.1");
  expect(endpoint.address.url).toBe(`http://127.0.0.1:${endpoint.address.listen.port}`);
  expect(endpoint.address.maxMessageSize).toBe(4096);
  expect(endpoint.maxMessageSize).toBe(4096);
  expect(JSON.parse(JSON.stringify(endpoint.address))).toEqual(endpoint.address);
  await endpoint.close();
  await endpoint.close(); // idempotent
});

it("parses host:port, a URL, IPv6 and open()'s JSON; refuses anything else with a typed error", () => {
  expect(parseRestAddress("0.0.0.0:8080").listen).toEqual({ host: "0.0.0.0", port: 8080 });
  const remote = parseRestAddress("http://box.example:9000");
  expect(remote.url).toBe("http://box.example:9000");
  expect(remote.maxMessageSize).toBe(DEFAULT_MAX_MESSAGE_SIZE);
  expect(parseRestAddress("[::1]:7000")).toMatchObject({
    url: "http://[::1]:7000",
    listen: { host: "::1", port: 7000 },
  });
  const json = { url: "http://127.0.0.1:1", listen: { host: "127.0.0.1", port: 1 }, maxMessageSize: 10 };
  expect(parseRestAddress(JSON.stringify(json))).toMatchObject(json);
  expect(() => parseRestAddress("localhost")).toThrow(AddressError);
  expect(() => parseRestAddress("ftp://x:1")).toThrow(AddressError);
});
