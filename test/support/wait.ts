/**
 * Waiting for what a test needs, with a deadline instead of a fixed sleep: the condition is polled
 * until it holds, and a timeout says what was awaited and what was last seen, so a slow machine
 * costs time, not a false failure, and a real failure says why.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 20_000, pollMs = 20, seen }: { timeoutMs?: number; pollMs?: number; seen?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}${seen ? `; seen: ${seen()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
