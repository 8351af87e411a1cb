import { describe, expect, it } from "vitest";
import { Slots } from "./slots";

function deferred() {
  let resolve!: () => void, reject!: (e: Error) => void;
  const promise = new Promise<void>((y, n) => ((resolve = y), (reject = n)));
  return { promise, resolve, reject };
}

describe("slots", () => {
  it("runs at most `size` tasks at once, the rest in the order they came", async () => {
    const slots = new Slots(4);
    const gates = Array.from({ length: 10 }, deferred);
    const started: number[] = [];
    let now = 0,
      most = 0;
    const all = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        most = Math.max(most, ++now);
        await g.promise;
        now--;
        return i * 10;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2].resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    for (const g of gates) g.resolve();
    expect(await Promise.all(all)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(4);
  });

  it("a task that fails gives its slot back", async () => {
    const slots = new Slots(1);
    const first = slots.run(async () => {
      throw new Error("no");
    });
    const second = slots.run(async () => "yes");
    await expect(first).rejects.toThrow("no");
    expect(await second).toBe("yes");
    expect(await slots.run(async () => "again")).toBe("again");
  });
});
