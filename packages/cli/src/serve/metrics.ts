import type { ToolCall, ToolCallMiddleware } from '@magsag/mcp-client';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a run ended as, for `magsag_runs_total{outcome}`. */
export type RunOutcome = 'ok' | 'error' | 'cancelled';

/** Live figures read at scrape time. */
export interface ServeGauges {
  /** Runs in flight (holding a sandbox slot or waiting for one, or for an approval). */
  runsInFlight: () => number;
  /** Runs waiting for a sandbox slot. */
  sandboxQueue: () => number;
  /** Open MCP sessions. */
  sessions: () => number;
}

/**
 * The Prometheus metrics of one `serve` process, in a registry of its own (prom-client), served as
 * text on `/metrics`. Names follow Prometheus conventions: `_total` counters, `_seconds`
 * histograms, a `replica` label on every series so that one dashboard can sum or split replicas.
 */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly #runs: Counter<'kind' | 'outcome'>;
  readonly #runSeconds: Histogram<'kind'>;
  readonly #toolSeconds: Histogram<'server' | 'outcome'>;
  readonly #storeSeconds: Histogram<'operation' | 'outcome'>;
  readonly #storeQueries: Counter<'operation'>;

  constructor(replica: string, gauges: ServeGauges) {
    this.registry.setDefaultLabels({ replica });
    this.#runs = new Counter({ name: 'magsag_runs_total', help: 'Runs (execute_code, run_skill) by how they ended.', labelNames: ['kind', 'outcome'], registers: [this.registry] });
    this.#runSeconds = new Histogram({
      name: 'magsag_run_duration_seconds',
      help: 'Wall-clock time of a run, from the request to the answer (type-check, queue, approvals and tool calls included).',
      labelNames: ['kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [this.registry],
    });
    this.#toolSeconds = new Histogram({
      name: 'magsag_tool_call_duration_seconds',
      help: 'Time of one MCP tool call a run made, from the call (its arguments untokenized) to the server\'s answer, by server.',
      labelNames: ['server', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.#storeSeconds = new Histogram({
      name: 'magsag_store_duration_seconds',
      help: 'Time of one store operation (a statement or a transaction on PostgreSQL).',
      labelNames: ['operation', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [this.registry],
    });
    this.#storeQueries = new Counter({ name: 'magsag_store_queries_total', help: 'SQL statements sent to the store.', labelNames: ['operation'], registers: [this.registry] });
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    };
    gauge('magsag_runs_in_flight', 'Runs being answered now.', gauges.runsInFlight);
    gauge('magsag_sandbox_queue_length', 'Runs waiting for a sandbox slot.', gauges.sandboxQueue);
    gauge('magsag_sessions', 'Open MCP sessions.', gauges.sessions);
  }

  /** Counts a finished run. */
  observeRun(kind: 'execute_code' | 'run_skill', seconds: number, outcome: RunOutcome): void {
    this.#runs.inc({ kind, outcome });
    this.#runSeconds.observe({ kind }, seconds);
  }

  /** Counts one store operation: `statements` SQL statements over `seconds`. */
  observeStore(operation: string, seconds: number, ok: boolean, statements = 1): void {
    this.#storeSeconds.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
    this.#storeQueries.inc({ operation }, statements);
  }

  /** A middleware that times every tool call: put it first, so its `afterCall` sees the server's answer before masking. */
  toolCallTimer(): ToolCallMiddleware {
    const started = new WeakMap<ToolCall, number>();
    const done = (call: ToolCall, outcome: 'ok' | 'error'): void => {
      const start = started.get(call);
      if (start === undefined) return;
      started.delete(call);
      this.#toolSeconds.observe({ server: call.server, outcome }, (performance.now() - start) / 1000);
    };
    return {
      name: 'metrics',
      beforeCall: (call) => {
        started.set(call, performance.now());
      },
      afterCall: (result, call) => {
        done(call, result.isError ? 'error' : 'ok');
      },
      onError: (_error, call) => {
        done(call, 'error');
      },
    };
  }

  /** The exposition: `Content-Type` and body. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
