/**
 * Prints a measured figure under the test that took it (`[measure] …`), so a run's output holds
 * the numbers the acceptance notes quote. Written to stdout, which vitest shows per test.
 */
export function reportMeasure(text: string): void {
  process.stdout.write(`[measure] ${text}\n`);
}
