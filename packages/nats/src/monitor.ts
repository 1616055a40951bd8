/**
 * Reading a nats-server's HTTP monitoring endpoint (/varz, /routez, /jsz): how the launcher
 * sees that a cluster's routes are up, and how demos and tests read counters and leaders.
 */

import { get as httpGet } from "node:http";

/**
 * GET a monitoring endpoint (/varz, /routez, ...) as JSON; undefined when it does not answer.
 * Without keep-alive, so no idle socket holds the event loop open.
 */
export function monitorJson(url: string): Promise<unknown> {
  return new Promise((resolve) => {
    const request = httpGet(url, { agent: false, timeout: 2000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (d: string) => {
        body += d;
      });
      response.on("end", () => {
        try {
          resolve(response.statusCode === 200 ? JSON.parse(body) : undefined);
        } catch {
          resolve(undefined);
        }
      });
      response.on("error", () => resolve(undefined));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}
