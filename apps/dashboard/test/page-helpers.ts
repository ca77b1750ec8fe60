import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/** The text a user sees in the (first) element, or '' while there is none. */
export function textOf(locator: Locator): Promise<string> {
  return locator
    .first()
    .textContent({ timeout: 1000 })
    .then((text) => text ?? '')
    .catch(() => '');
}

/** Waits (polling, as the page itself updates by polling) until the element's text matches. */
export async function eventuallyText(locator: Locator, pattern: RegExp, timeout = 20_000): Promise<void> {
  await expect.poll(() => textOf(locator), { timeout, interval: 250 }).toMatch(pattern);
}
