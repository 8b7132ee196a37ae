/**
 * Streamed JSON responses, for resources too large to hold as one string (a group with tens of
 * thousands of members): the body is written piece by piece as the client reads it.
 */

/** Pieces are gathered up to this many characters before they are sent. */
const FLUSH_AT = 64 * 1024;

/** Producers of the JSON text of some entries of an object. */
export type StreamedEntries = Record<string, () => AsyncIterable<string>>;

/** The JSON text of `object` in pieces; the entries named in `streamed` come from their producers instead. */
export async function* objectJson(object: Record<string, unknown>, streamed: StreamedEntries = {}): AsyncGenerator<string> {
  let separator = '{';
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    yield `${separator}${JSON.stringify(key)}:`;
    separator = ',';
    const producer = Object.hasOwn(streamed, key) ? streamed[key] : undefined;
    if (producer) yield* producer();
    else yield JSON.stringify(value);
  }
  yield separator === '{' ? '{}' : '}';
}

/** The JSON text of an array whose elements come in batches, each element already JSON text. */
export async function* arrayJson(batches: AsyncIterable<readonly string[]> | Iterable<readonly string[]>): AsyncGenerator<string> {
  let separator = '';
  yield '[';
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    yield separator + batch.join(',');
    separator = ',';
  }
  yield ']';
}

/** A response whose body is `pieces` concatenated, sent in chunks of about 64 KiB. */
export function streamedResponse(pieces: AsyncIterable<string>, status: number, headers: Record<string, string>): Response {
  const iterator = pieces[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let buffer = '';
      while (buffer.length < FLUSH_AT) {
        const next = await iterator.next();
        if (next.done) {
          if (buffer) controller.enqueue(encoder.encode(buffer));
          controller.close();
          return;
        }
        buffer += next.value;
      }
      controller.enqueue(encoder.encode(buffer));
    },
    async cancel() {
      await iterator.return?.(undefined);
    },
  });
  return new Response(body, { status, headers });
}
