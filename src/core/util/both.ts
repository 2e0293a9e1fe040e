/**
 * Runs two tasks side by side and resolves with both results. Unlike `Promise.all`, a
 * rejection waits for the other task to settle first, so the caller's cleanup never
 * removes files a still-running task writes.
 */
export async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}
