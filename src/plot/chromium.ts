import { EnvironmentError } from '../core/errors';
import { existsSync } from 'fs';
import type { Browser } from 'playwright-core';

/** Where Debian, Ubuntu and Google put the browser; CHROMIUM_PATH overrides them all. */
const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** Flags for a quiet, sandbox-free headless run (containers and CI have no user namespaces for the sandbox). */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const INSTALL_HINT =
  'PNG and SVG export need a headless Chromium: install it (Debian/Ubuntu: apt-get install chromium) ' +
  'or set CHROMIUM_PATH to a Chromium or Chrome executable. HTML export needs no browser.';

/** The browser executable to use, or an error naming every path that was tried. */
export function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new EnvironmentError(`No browser at CHROMIUM_PATH=${fromEnv}. ${INSTALL_HINT}`);
  }
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found === undefined)
    throw new EnvironmentError(`No Chromium found (tried ${CANDIDATES.join(', ')}). ${INSTALL_HINT}`);
  return found;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  // Required lazily so that notebooks which never export do not load playwright.
  const { chromium }: typeof import('playwright-core') = require('playwright-core');
  try {
    return await chromium.launch({ executablePath, args: ARGS });
  } catch (e) {
    throw new EnvironmentError(
      `Could not start Chromium at ${executablePath}: ${(e as Error).message}\n${INSTALL_HINT}`,
    );
  }
}
