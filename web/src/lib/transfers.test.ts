import { afterEach, describe, expect, it, vi } from "vitest";
import { PIECE, sendAsTransfer } from "./transfers";

interface Call {
  method: string;
  url: string;
  size: number;
}

// A server in a fetch: the transfer API with `received` per file, and
// `faults` to play (by call number): a lost answer, a network error.
function server(faults: Record<number, "lost" | "network" | "refused" | "busy"> = {}) {
  const calls: Call[] = [];
  const received = new Map<number, number>();
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    const method = init.method ?? "GET";
    const body = init.body as Blob | string | undefined;
    const size = body instanceof Blob ? body.size : 0;
    calls.push({ method, url, size });
    const fault = faults[calls.length];
    if (fault === "network") throw new TypeError("Failed to fetch");
    const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status, headers: { "Content-Type": "application/json" } });
    if (method === "POST" && url === "/api/v1/transfers") {
      const files = JSON.parse(body as string).files as { name: string; size: number }[];
      files.forEach((_, i) => received.set(i + 1, 0));
      return json(201, { id: 7, path: "/t/secret", expires: 1800000000, files: files.map((f, i) => ({ id: i + 1, name: f.name, size: f.size })) });
    }
    const put = url.match(/^\/api\/v1\/transfers\/7\/files\/(\d+)\?offset=(\d+)$/);
    if (method === "PUT" && put) {
      if (fault === "refused") return json(413, { error: { code: "limit", message: "past the end" } });
      if (fault === "busy") return json(409, { error: { code: "in_use", message: "another piece is being written" } });
      const file = Number(put[1]);
      const offset = Number(put[2]);
      if (offset !== received.get(file)) return json(409, { error: { code: "in_use", message: "out of step" }, received: received.get(file) });
      received.set(file, offset + size);
      // A lost answer: stored, but the client never hears it.
      if (fault === "lost") throw new TypeError("connection reset");
      return json(200, { received: offset + size });
    }
    if (method === "POST" && url === "/api/v1/transfers/7/complete") return json(200, {});
    if (method === "DELETE" && url === "/api/v1/transfers/7") return new Response(null, { status: 204 });
    return json(404, { error: { code: "not_found", message: url } });
  });
  vi.stubGlobal("fetch", fetch);
  vi.stubGlobal("location", { origin: "https://mail.example" });
  return { calls, received };
}

const file = (name: string, size: number) => new File([new Uint8Array(size)], name);

describe("download links", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("uploads each file piece by piece, in order, then completes", async () => {
    const { calls } = server();
    const seen: number[] = [];
    const link = await sendAsTransfer([file("a.bin", 2 * PIECE + 5), file("b.txt", 3)], (sent) => seen.push(sent));
    expect(link).toEqual({ url: "https://mail.example/t/secret", expires: 1800000000, files: [{ name: "a.bin", size: 2 * PIECE + 5 }, { name: "b.txt", size: 3 }] });
    expect(calls.map((c) => `${c.method} ${c.url} ${c.size}`)).toEqual([
      "POST /api/v1/transfers 0",
      `PUT /api/v1/transfers/7/files/1?offset=0 ${PIECE}`,
      `PUT /api/v1/transfers/7/files/1?offset=${PIECE} ${PIECE}`,
      `PUT /api/v1/transfers/7/files/1?offset=${2 * PIECE} 5`,
      "PUT /api/v1/transfers/7/files/2?offset=0 3",
      "POST /api/v1/transfers/7/complete 0",
    ]);
    expect(seen).toEqual([PIECE, 2 * PIECE, 2 * PIECE + 5, 2 * PIECE + 8]);
  });

  it("after a lost answer goes on from where the server stands", async () => {
    const { calls, received } = server({ 2: "lost", 3: "network" });
    await sendAsTransfer([file("a.bin", PIECE + 1)], () => {});
    expect(received.get(1)).toBe(PIECE + 1);
    // The piece stored without an answer is sent again, refused as out of
    // step with where the server is, and the upload goes on from there.
    expect(calls.filter((c) => c.method === "PUT").map((c) => c.url.split("=")[1])).toEqual(["0", "0", "0", String(PIECE)]);
    expect(calls.at(-1)?.url).toBe("/api/v1/transfers/7/complete");
  });

  it("tries a piece again while the server is still writing an earlier attempt", async () => {
    const { calls, received } = server({ 2: "busy" });
    await sendAsTransfer([file("a.bin", 10)], () => {});
    expect(received.get(1)).toBe(10);
    expect(calls.filter((c) => c.method === "PUT")).toHaveLength(2);
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  });

  it("deletes the transfer when the server refuses a piece", async () => {
    const { calls } = server({ 2: "refused" });
    await expect(sendAsTransfer([file("a.bin", 10)], () => {})).rejects.toMatchObject({ status: 413, code: "limit" });
    expect(calls.at(-1)).toMatchObject({ method: "DELETE", url: "/api/v1/transfers/7" });
  });
});
