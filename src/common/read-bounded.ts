/** Reading a body without trusting its size: SCIM requests and OpenID Provider answers alike. */

/**
 * The bytes of `stream`, or `tooLarge()` thrown (the stream cancelled) as soon as they pass `limit`,
 * so no more than `limit` bytes are ever held.
 */
export async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
