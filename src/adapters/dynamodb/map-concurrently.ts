/** `fn` over every input with at most `concurrency` calls in flight; results in input order. */
export async function mapConcurrently<T, R>(
  inputs: T[],
  concurrency: number,
  fn: (input: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await fn(inputs[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
