import type { Browser, Page } from 'playwright-core';
import type { Stack } from './stack.ts';

/** A token made the way an admin makes one (tokens.create over tRPC with the admin token). */
export async function createToken(
  stack: Stack,
  name: string,
  role: string,
): Promise<{ id: string; token: string }> {
  const response = await fetch(`${stack.controlPlaneUrl}/trpc/tokens.create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, role }),
  });
  const body = (await response.json()) as { result: { data: { id: string; token: string } } };
  return body.result.data;
}

/** A fresh browser context at 1280 px, signed in with `token` and showing the models screen. */
export async function signedInPage(browser: Browser, stack: Stack, token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${stack.controlPlaneUrl}/ui/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Models' }).waitFor();
  return page;
}
