/** The bare worker's one workflow (bench/worker-start.ts): the SDK's floor, no BlogTube code. */
export async function bare(): Promise<string> {
  return 'ok';
}
