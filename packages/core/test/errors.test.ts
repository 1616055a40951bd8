import { describe, expect, it } from "vitest";
import {
  ClosedError,
  errorFromJSON,
  errorToJSON,
  IpcError,
  MessageTooLargeError,
  UnknownVariantError,
  VariantRegistry,
  variantIds,
} from "../src/index.ts";
import { memoryVariant } from "./fixtures/memory-variant.ts";

describe("typed errors", () => {
  it("say what to do", () => {
    const error = new MessageTooLargeError(9000, 8191, "a POSIX queue");
    expect(error.message).toMatch(/9000 bytes.*8191-byte limit.*split it/);
    expect(error.code).toBe("EMSGSIZE");
    expect(error.details).toEqual({ size: 9000, limit: 8191 });
  });

  it("keep their class, code and hint across a JSON round trip", () => {
    const rebuilt = errorFromJSON(JSON.parse(JSON.stringify(errorToJSON(new ClosedError("producer")))));
    expect(rebuilt).toBeInstanceOf(ClosedError);
    expect(rebuilt).toBeInstanceOf(IpcError);
    expect((rebuilt as ClosedError).code).toBe("ECLOSED");
    expect(rebuilt.message).toMatch(/producer is closed/);
  });

  it("turn a plain Error into JSON with its code", () => {
    const json = errorToJSON(Object.assign(new Error("boom"), { code: "EPIPE" }));
    expect(json).toMatchObject({ name: "Error", code: "EPIPE", message: "boom" });
  });
});

describe("variant registry", () => {
  it("lists an unknown id's valid alternatives", () => {
    const registry = new VariantRegistry();
    expect(() => registry.get("carrier-pigeon")).toThrow(UnknownVariantError);
    expect(() => registry.get("carrier-pigeon")).toThrow(/use one of: pipes-unnamed, pipes-unnamed-io/);
  });

  it("refuses the same id twice and says which ids are missing", () => {
    const variant = memoryVariant({ synchronous: false });
    const registry = new VariantRegistry([variant]);
    expect(() => registry.add(variant)).toThrow(/registered twice/);
    expect(registry.missing()).toEqual([...variantIds]);
    expect(registry.list()).toEqual([variant]);
  });
});
