// Loaded into every Node process and thread of the `magsag serve` under test by bench/serve.ts
// (NODE_OPTIONS=--import <this file>, with MAGSAG_BENCH_PROFILE_DIR set); does nothing otherwise.
// While the file <dir>/on exists, it runs V8's sampling profiler on this thread; when the file is
// removed (or the thread exits), it writes <dir>/<pid>-<threadId>-<n>.cpuprofile. The bench creates
// and removes the file around its profiling window, so every process — the server, its sandbox and
// checker processes, and any started during the window — is profiled over the same seconds. It
// polls (every 200 ms, unref'd) instead of using a signal, because worker threads get no signals.
import { existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

const dir = process.env['MAGSAG_BENCH_PROFILE_DIR'];
if (dir) {
  const marker = path.join(dir, 'on');
  let session;
  let written = 0;
  const stop = () => {
    const s = session;
    if (!s) return;
    session = undefined;
    // On the thread's own session, post() answers synchronously: this works inside 'exit' too.
    s.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(path.join(dir, `${process.pid}-${threadId}-${written++}.cpuprofile`), JSON.stringify(result.profile));
      s.disconnect();
    });
  };
  const tick = () => {
    const on = existsSync(marker);
    if (on && !session) {
      session = new Session();
      session.connect();
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: 1000 });
      session.post('Profiler.start');
    } else if (!on && session) stop();
  };
  tick();
  setInterval(tick, 200).unref();
  process.on('exit', stop);
}
