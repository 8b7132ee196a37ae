/**
 * Runs a tenant's writes one after another. A Durable Object's input gate only holds requests back
 * during its own storage calls; while a write awaits D1 the next request runs. This queue makes
 * "read current state → decide → write" atomic per tenant.
 */
export class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #release: (() => void) | undefined;

  /**
   * Runs `task` after every task enqueued before it has settled or released the queue; its
   * outcome is the caller's.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const start = () => {
      this.#release = release;
      return task();
    };
    const result = this.#tail.then(start, start);
    this.#tail = Promise.race([released, result.then(settle, settle)]);
    return result;
  }

  /**
   * Lets the next task start before the running one has settled. The running task calls it once
   * it has decided and handed its writes to the group commit (src/tenant-object/group-commit.ts): every
   * later read waits for those writes, so the next task still sees them.
   */
  releaseCurrent(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

const settle = () => undefined;
