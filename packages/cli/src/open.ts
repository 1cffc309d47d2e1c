import { spawn } from 'node:child_process';

/**
 * Opens `url` in the desktop's browser (`open` on macOS, `start` on Windows, `xdg-open` elsewhere)
 * when there is a desktop; `onFail` says why not. Never waits for the browser.
 */
export function openBrowser(url: string, onFail: (why: string) => void): void {
  const platform = process.platform;
  if (platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) return onFail('no DISPLAY or WAYLAND_DISPLAY');
  const [command, args] = platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.replaceAll('&', '^&')]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', (error) => onFail(error.message));
    child.unref();
  } catch (error) {
    onFail(error instanceof Error ? error.message : String(error));
  }
}
