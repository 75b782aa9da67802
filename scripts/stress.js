#!/usr/bin/env node
// The long versions of the load tests (__test__/load.spec.mjs runs the short ones), with their figures
// as a markdown table for the README:
//
//   node scripts/stress.js [--messages 1000000] [--connections 5000] [--cycles 50000]
//
//  1. messages: that many text messages from a `ws` server process over 10 connections; none may be
//     lost and each connection's must arrive in order;
//  2. connections: that many clients open at once, each echoes one message, all close;
//  3. cycles: connect/close cycles in a process of their own, RSS and open file descriptors measured
//     after a warm-up and at the end (RSS growth must stay under 10%, descriptors must not grow).
// Servers are separate processes on 127.0.0.1, port 0. Exits 1 when a check fails.
'use strict'

const { spawnSync } = require('node:child_process')
const path = require('node:path')

const ROOT = path.resolve(__dirname, '..')
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const MESSAGES = arg('messages', 1000000)
const CONNECTIONS = arg('connections', 5000)
const CYCLES = arg('cycles', 50000)
const WARMUP = Math.min(2000, Math.ceil(CYCLES / 10))

// Each of CONNECTIONS sockets costs a descriptor here and one in the server process: raise the soft
// limit (up to the hard one) by re-running this script under `ulimit -n`, once.
function ensureFileLimit() {
  const need = CONNECTIONS + 1024
  const limits = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout.trim().split('\n')
  const soft = limits[0] === 'unlimited' ? Infinity : Number(limits[0])
  const hard = limits[1] === 'unlimited' ? Infinity : Number(limits[1])
  if (soft >= need) return
  if (process.env.STRESS_RAISED_LIMIT || hard < need) {
    console.error(`stress: ${CONNECTIONS} connections need ${need} file descriptors; the limit is ${soft} (hard ${hard})`)
    process.exit(1)
  }
  const quoted = [process.execPath, ...process.argv.slice(1)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const r = spawnSync('sh', ['-c', `ulimit -n ${need} && exec ${quoted}`], {
    stdio: 'inherit',
    env: { ...process.env, STRESS_RAISED_LIMIT: '1' },
  })
  process.exit(r.status ?? 1)
}

const MiB = 1048576
const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`
const rate = (n, ms, unit) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} ${unit}/s`

async function main() {
  ensureFileLimit()
  const load = await import(path.join(ROOT, '__test__/load/clients.mjs'))
  const rows = []
  let failed = false
  const check = (ok, what) => {
    if (!ok) {
      failed = true
      console.error(`FAILED: ${what}`)
    }
    return ok
  }
  const snapshot = () => ({ rss: process.memoryUsage().rss, fds: load.openFds() })

  // 1. Many messages over 10 connections.
  {
    const perConnection = Math.ceil(MESSAGES / 10)
    const server = await load.startServerProcess(['stream', perConnection])
    const before = snapshot()
    const r = await load.receiveStreams({ url: server.url, connections: 10, perConnection, timeout: 600000 })
    const after = snapshot()
    await server.stop()
    const total = r.received.reduce((a, b) => a + b, 0)
    const ok =
      check(total === perConnection * 10, `messages: received ${total} of ${perConnection * 10}`) &&
      check(
        r.outOfOrder.every((n) => n === 0),
        `messages: out of order ${JSON.stringify(r.outOfOrder)}`,
      ) &&
      check(
        r.closes.every((c) => c.code === 1000 && c.reason === 'done'),
        'messages: every stream closed with 1000 "done"',
      )
    rows.push([
      `${(perConnection * 10).toLocaleString('en-US')} messages from a server over 10 connections`,
      ok ? 'none lost, in order' : 'FAILED',
      seconds(r.ms),
      rate(total, r.ms, 'msgs'),
      `${mib(before.rss)} → ${mib(after.rss)}`,
      `${before.fds} → ${after.fds}`,
    ])
  }

  // 2. Many connections at once.
  {
    const server = await load.startServerProcess(['echo'])
    const before = snapshot()
    let r
    let error
    let peak
    try {
      r = await load.concurrentEcho({ url: server.url, count: CONNECTIONS, timeout: 120000, onAllOpen: () => (peak = snapshot()) })
    } catch (e) {
      error = e
    }
    peak ??= snapshot()
    await new Promise((resolve) => setTimeout(resolve, 500))
    const after = snapshot()
    await server.stop()
    const ok =
      check(!error, `connections: ${error && error.message}`) &&
      check(r.wrongEchoes === 0, `connections: ${r.wrongEchoes} wrong echoes`) &&
      check(
        r.closes.every((c) => c.code === 1000),
        'connections: every client closed with 1000',
      )
    const ms = r ? r.openMs + r.echoMs + r.closeMs : 0
    rows.push([
      `${CONNECTIONS.toLocaleString('en-US')} concurrent connections: open, echo, close`,
      ok ? `open ${seconds(r.openMs)}, echo ${seconds(r.echoMs)}, close ${seconds(r.closeMs)}` : 'FAILED',
      seconds(ms),
      r ? rate(CONNECTIONS, r.openMs, 'opens') : '',
      `${mib(before.rss)} → ${mib(peak.rss)} (all open) → ${mib(after.rss)}`,
      `${before.fds} → ${peak.fds} → ${after.fds}`,
    ])
  }

  // 3. Connect/close cycles in a process of their own.
  {
    const server = await load.startServerProcess(['echo'])
    const r = await runCycles(server.url)
    await server.stop()
    const m = r.result
    let ok = check(r.code === 0 && m, `cycles: child exited ${r.code} ${r.signal ?? ''}: ${r.stderr.slice(-2000)}`)
    let growth = NaN
    if (m) {
      growth = (m.after.rss - m.before.rss) / m.before.rss
      ok = check(m.cycles === CYCLES, `cycles: ${m.cycles} of ${CYCLES}`) && ok
      ok = check(growth < 0.1, `cycles: RSS grew ${(growth * 100).toFixed(1)}%`) && ok
      ok = check(m.after.fds <= m.before.fds, `cycles: descriptors ${m.before.fds} → ${m.after.fds}`) && ok
    }
    rows.push([
      `${CYCLES.toLocaleString('en-US')} connect/close cycles (after ${WARMUP.toLocaleString('en-US')} warm-up)`,
      ok ? `RSS ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%, exited by itself` : 'FAILED',
      m ? seconds(m.ms) : '',
      m ? rate(m.cycles, m.ms, 'cycles') : '',
      m ? `${mib(m.before.rss)} → ${mib(m.after.rss)}` : '',
      m ? `${m.before.fds} → ${m.after.fds}` : '',
    ])
  }

  const header = ['Scenario', 'Result', 'Time', 'Rate', 'Client RSS', 'Client fds']
  const line = (cells) => `| ${cells.join(' | ')} |`
  console.log(`\nStress run, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${require('node:os').cpus().length} cores\n`)
  console.log(line(header))
  console.log(line(header.map(() => '---')))
  for (const row of rows) console.log(line(row))
  console.log('\nRSS and fds are the client process\'s; servers are `ws` in processes of their own. The cycles run with --max-semi-space-size=1 (a fixed V8 young generation) so that RSS shows native memory.')
  process.exit(failed ? 1 : 0)
}

/** Runs __test__/load/cycles.mjs in a child process; resolves `{code, signal, stderr, result}`. */
function runCycles(url) {
  const { spawn } = require('node:child_process')
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-semi-space-size=1', path.join(ROOT, '__test__/load/cycles.mjs'), url, String(WARMUP), String(CYCLES)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    // The child must end by itself; 10 minutes is far beyond any healthy run.
    const timer = setTimeout(() => child.kill('SIGKILL'), 600000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '))
      resolve({ code, signal, stderr, result: line ? JSON.parse(line.slice(7)) : undefined })
    })
  })
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
