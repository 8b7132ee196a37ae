/**
 * Runs a tenant's writes one after another. A Durable Object's input gate only holds requests back
 * during its own storage calls; while a write awaits D1 the next request runs. This queue makes
 * "read current state → decide → write" atomic per tenant.
 */
export class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task enqueued before it has settled; its outcome is the caller's. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
