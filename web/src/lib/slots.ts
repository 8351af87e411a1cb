// At most `size` tasks under way at once; the others wait their turn, first
// come first served. The JMAP client queues its uploads with it, since the
// server takes only maxConcurrentUpload at a time from one user (RFC 8620
// §2) and refuses more with 429.
export class Slots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.size) this.running++;
    else await new Promise<void>((go) => this.waiting.push(go)); // handed a slot by one that ends
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
