/** A promise and the function that resolves it: makes interleavings deterministic without sleeps. */
export function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
