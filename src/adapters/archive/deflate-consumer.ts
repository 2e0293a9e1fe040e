/** Receives the deflate stream; throwing stops the compressor. */
export type DeflateConsumer = (deflated: AsyncIterable<Buffer>) => Promise<void>;
