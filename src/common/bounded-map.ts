/** A Map that forgets its oldest entry beyond a fixed size: per-isolate caches must not grow with what callers name. */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #limit: number;

  constructor(limit: number) {
    super();
    this.#limit = limit;
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.#limit) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }
}
