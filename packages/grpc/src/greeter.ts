/**
 * The classic gRPC hello example, kept for the demo: SayHello, SayHelloAgain, and
 * GetPersonInfo, which looks a person up by name in a small directory. The consumer's server
 * hosts it beside Messages; GreeterClient calls it with a deadline on every call and turns a
 * failed call into a GrpcError.
 */

import { type Client, type ServiceError, status as Status } from "@grpc/grpc-js";
import type { ServiceRegistration } from "./consumer.ts";
import { toGrpcError } from "./errors.ts";
import {
  GreeterClientConstructor,
  greeterServiceDefinition,
  type HelloReply,
  type HelloRequest,
  type PersonInfo,
  type PersonRequest,
} from "./proto.ts";
import { channelCredentials, presentToken } from "./security.ts";

export interface Person {
  name: string;
  age: number;
  email: string;
  bio?: string;
}

/** The directory the demo serves. */
export const demoPeople: readonly Person[] = [
  {
    name: "Ada",
    age: 36,
    email: "ada@example.org",
    bio: "Wrote the first program for the Analytical Engine.",
  },
  {
    name: "Grace",
    age: 85,
    email: "grace@example.org",
    bio: "Built the first compiler; found a moth in a relay.",
  },
  { name: "Linus", age: 54, email: "linus@example.org", bio: "Started a kernel as a hobby." },
];

/** Called by the server for each Greeter request, so a demo can narrate it. */
export type GreeterObserver = (method: "SayHello" | "SayHelloAgain" | "GetPersonInfo", name: string) => void;

/** The Greeter service over `people`, ready to add to a consumer's server. */
export function greeterService(
  people: readonly Person[] = demoPeople,
  observe?: GreeterObserver,
): ServiceRegistration {
  const byName = new Map(people.map((person) => [person.name.toLowerCase(), person]));
  type Callback<T> = (error: Partial<ServiceError> | null, reply?: T) => void;
  return {
    service: greeterServiceDefinition,
    implementation: {
      SayHello: (call: { request: HelloRequest }, callback: Callback<HelloReply>) => {
        observe?.("SayHello", call.request.name);
        callback(null, { message: `Hello, ${call.request.name}!` });
      },
      SayHelloAgain: (call: { request: HelloRequest }, callback: Callback<HelloReply>) => {
        observe?.("SayHelloAgain", call.request.name);
        callback(null, { message: `Hello again, ${call.request.name}!` });
      },
      GetPersonInfo: (call: { request: PersonRequest }, callback: Callback<PersonInfo>) => {
        observe?.("GetPersonInfo", call.request.name);
        const person = byName.get(call.request.name.toLowerCase());
        if (!person) {
          callback({
            code: Status.NOT_FOUND,
            details: `nobody named "${call.request.name}" in the directory`,
          });
          return;
        }
        callback(null, { bio: "", ...person });
      },
    },
  };
}

export interface GreeterClientOptions {
  /** Deadline of each call. Default 5 s. */
  deadlineMs?: number;
  /** The endpoint's token, presented on every call. */
  token?: string | undefined;
  /** The CA that signed the server's certificate (TLS). */
  ca?: string | undefined;
}

/** A Greeter client with promise methods; every call carries a deadline. */
export class GreeterClient {
  readonly target: string;
  readonly #client: Client;
  readonly #deadlineMs: number;

  constructor(target: string, options: GreeterClientOptions = {}) {
    this.target = target;
    this.#deadlineMs = options.deadlineMs ?? 5_000;
    this.#client = new GreeterClientConstructor(target, channelCredentials(options.ca), {
      ...(options.token ? { interceptors: [presentToken(options.token)] } : {}),
    });
  }

  #call<Request, Reply>(method: string, request: Request): Promise<Reply> {
    type Unary = (
      request: Request,
      options: { deadline: number },
      callback: (error: ServiceError | null, reply?: Reply) => void,
    ) => void;
    const call = (this.#client as unknown as Record<string, Unary>)[method]!.bind(this.#client);
    return new Promise<Reply>((resolve, reject) => {
      call(request, { deadline: Date.now() + this.#deadlineMs }, (error, reply) => {
        if (error) reject(toGrpcError(error, `Greeter.${method}`, this.target));
        else resolve(reply!);
      });
    });
  }

  async sayHello(name: string): Promise<string> {
    return (await this.#call<HelloRequest, HelloReply>("SayHello", { name })).message;
  }

  async sayHelloAgain(name: string): Promise<string> {
    return (await this.#call<HelloRequest, HelloReply>("SayHelloAgain", { name })).message;
  }

  /** The person's details; a GrpcError with status NOT_FOUND when the directory has nobody by that name. */
  getPersonInfo(name: string): Promise<PersonInfo> {
    return this.#call<PersonRequest, PersonInfo>("GetPersonInfo", { name });
  }

  close(): void {
    this.#client.close();
  }
}
