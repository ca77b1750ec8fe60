import { existsSync } from 'node:fs';
import { chromiumPath } from '@modelplane/testing';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's chromium, headless (scripts/test.sh installs it with apt-get; no browser is ever
 * downloaded). CHROMIUM_PATH points elsewhere.
 */
export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`no browser at ${executablePath}: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}
