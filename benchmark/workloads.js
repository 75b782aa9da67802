'use strict'
// The workloads: what each runs, with which counts (full and --quick), and the rows it adds to the
// table with their targets (ratio ohos-websocket / ws measured in the same run).
//
// kind 'client': benchmark/client-workloads.js run by each client library against the Rust echo server.
// kind 'server': the Rust load generator against benchmark/server-under-test.js (ohos-websocket, ws).

const KiB = 1024
const MiB = 1024 * KiB

const higher = (target) => ({ better: 'higher', target })
const lower = (target) => ({ better: 'lower', target })
const info = (better) => ({ better, target: null })

/** `full` and `quick` parameter sets. */
const counts = (full, quick) => ({ full, quick })

const WORKLOADS = [
  {
    id: 'rtt',
    kind: 'client',
    script: 'rtt',
    params: counts({ messages: 5000, warmup: 500 }, { messages: 1000, warmup: 100 }),
    rows: [
      { label: 'round trip 32 B, p50', metric: 'p50_us', unit: 'µs', ...lower(1.0) },
      { label: 'round trip 32 B, p99', metric: 'p99_us', unit: 'µs', ...info('lower') },
    ],
  },
  {
    id: 'inflight',
    kind: 'client',
    script: 'inflight',
    params: counts({ messages: 200000, window: 100 }, { messages: 50000, window: 100 }),
    rows: [{ label: '32 B, 100 in flight', metric: 'msgs_per_s', unit: 'msgs/s', ...higher(3) }],
  },
  {
    id: 'fanin',
    kind: 'client',
    script: 'fanIn',
    params: counts({ connections: 100, perConnection: 20000 }, { connections: 100, perConnection: 3000 }),
    rows: [{ label: 'fan-in, 100 connections, 32 B', metric: 'msgs_per_s', unit: 'msgs/s', ...higher(1.5) }],
  },
  {
    id: 'bulk-64k',
    kind: 'client',
    script: 'bulk',
    params: counts({ size: 64 * KiB, messages: 5000, warmup: 50 }, { size: 64 * KiB, messages: 1000, warmup: 10 }),
    rows: [{ label: 'bulk echo 64 KiB', metric: 'mb_per_s', unit: 'MB/s', ...higher(1.3) }],
  },
  {
    id: 'bulk-1m',
    kind: 'client',
    script: 'bulk',
    params: counts({ size: MiB, messages: 400, warmup: 5 }, { size: MiB, messages: 100, warmup: 2 }),
    rows: [{ label: 'bulk echo 1 MiB', metric: 'mb_per_s', unit: 'MB/s', ...higher(1.3) }],
  },
  {
    id: 'bulk-16m',
    kind: 'client',
    script: 'bulk',
    params: counts({ size: 16 * MiB, messages: 24, warmup: 2 }, { size: 16 * MiB, messages: 8, warmup: 1 }),
    rows: [{ label: 'bulk echo 16 MiB', metric: 'mb_per_s', unit: 'MB/s', ...higher(1.3) }],
  },
  {
    id: 'conns-1000',
    kind: 'client',
    script: 'connections',
    params: counts({ connections: 1000, concurrency: 100 }, { connections: 200, concurrency: 100 }),
    rows: [
      { label: '1,000 connections: open, echo, close', metric: 'conns_per_s', unit: 'conns/s', ...higher(2) },
      { label: '1,000 connections: peak RSS', metric: 'peak_rss_mb', unit: 'MB', ...info('lower') },
    ],
  },
  {
    id: 'conns-5000',
    kind: 'client',
    script: 'connections',
    params: counts({ connections: 5000, concurrency: 100 }, { connections: 1000, concurrency: 100 }),
    rows: [
      { label: '5,000 connections: open, echo, close', metric: 'conns_per_s', unit: 'conns/s', ...higher(2) },
      { label: '5,000 connections: peak RSS', metric: 'peak_rss_mb', unit: 'MB', ...info('lower') },
      { label: 'RSS per idle connection (5,000)', metric: 'rss_per_conn_kb', unit: 'KB', ...lower(1.0) },
    ],
  },
  {
    id: 'wss-connect',
    kind: 'client',
    script: 'connections',
    tls: true,
    params: counts({ connections: 1000, concurrency: 100 }, { connections: 200, concurrency: 100 }),
    rows: [{ label: 'wss connections: open, echo, close', metric: 'conns_per_s', unit: 'conns/s', ...higher(3) }],
  },
  {
    id: 'wss-1m',
    kind: 'client',
    script: 'bulk',
    tls: true,
    params: counts({ size: MiB, messages: 250, warmup: 5 }, { size: MiB, messages: 60, warmup: 2 }),
    rows: [{ label: 'wss bulk echo 1 MiB', metric: 'mb_per_s', unit: 'MB/s', ...higher(1.4) }],
  },
  {
    id: 'server-echo',
    kind: 'server',
    params: counts(
      { mode: 'echo', connections: 1000, messages: 100, size: 32, window: 10 },
      { mode: 'echo', connections: 200, messages: 50, size: 32, window: 10 },
    ),
    rows: [{ label: 'server: 1,000 clients echoing 32 B', metric: 'msgs_per_s', unit: 'msgs/s', ...higher(1.5) }],
  },
  {
    id: 'server-broadcast',
    kind: 'server',
    params: counts(
      { mode: 'broadcast', connections: 1000, messages: 200, size: 32 },
      { mode: 'broadcast', connections: 200, messages: 50, size: 32 },
    ),
    rows: [{ label: 'server: broadcast 32 B to 1,000 clients', metric: 'msgs_per_s', unit: 'msgs/s', ...higher(1.5) }],
  },
]

module.exports = { WORKLOADS }
