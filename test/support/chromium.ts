// A real headless browser for the `magsag ui` tests: Debian's `chromium`, driven by playwright-core
// over CDP (no browser download). Like postgres.ts: a machine without it skips those tests with one
// message naming the package, and `MAGSAG_REQUIRE_CHROMIUM=1` (set by .ci/run) makes that a failure.
import { existsSync } from 'node:fs';

/** The Debian package that brings the browser. */
export const chromiumPackage = 'chromium';

/** Where Debian and Ubuntu put the binary; `MAGSAG_CHROMIUM` names another. */
const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

let warned = false;

/** The browser's executable, or `undefined` when there is none. */
export function chromiumPath(): string | undefined {
  const named = process.env['MAGSAG_CHROMIUM'];
  if (named) return existsSync(named) ? named : undefined;
  return candidates.find((file) => existsSync(file));
}

/**
 * Why the browser tests cannot run here, or `undefined` when they can. With
 * `MAGSAG_REQUIRE_CHROMIUM=1` (set by .ci/run) a missing browser is an error, not a skip.
 */
export function chromiumUnavailable(): string | undefined {
  if (chromiumPath()) return undefined;
  const missing = `no Chromium at ${process.env['MAGSAG_CHROMIUM'] || candidates.join(', ')}: install Debian's \`${chromiumPackage}\` package (apt-get install -y ${chromiumPackage}) to run them, or set MAGSAG_CHROMIUM to a Chromium binary`;
  if (process.env['MAGSAG_REQUIRE_CHROMIUM'] === '1') throw new Error(`MAGSAG_REQUIRE_CHROMIUM=1 but ${missing}`);
  if (!warned) process.stderr.write(`\nSKIPPED: the browser tests, because ${missing}\n\n`);
  warned = true;
  return `skipped: ${missing}`;
}

/** Arguments for a headless Chromium in a container: as root it needs --no-sandbox. */
export function chromiumArgs(): string[] {
  return ['--headless=new', '--disable-gpu', '--disable-dev-shm-usage', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
}
