/**
 * The codec integration test's workflow: it returns its input unchanged, so
 * its history holds that input twice (start event and result), both of which
 * must be encrypted.
 */
export async function codecEcho<T>(input: T): Promise<T> {
  return input;
}
