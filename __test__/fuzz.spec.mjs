// Bad input (CONTRACT §2): every client and server method and option called with random argument
// shapes and values — tens of thousands of calls from a fixed seed (__test__/fuzz/calls.mjs). No
// crash, no hang, and every outcome one the contract allows: a synchronous throw only from on/off
// (code "401"), otherwise a result or one of the contract's error codes, delivered exactly once.
// The fuzz runs in a child process, so a native crash is a failed test and not a dead test runner.
import path from 'node:path'

import test from 'ava'

import { ROOT, runNode } from './helpers/child.mjs'

const PROGRAM = path.join(ROOT, '__test__/fuzz/calls.mjs')

/** Hosts outside this allow-list are refused (2302998) before any DNS lookup: the fuzz stays local. */
const LOCAL_ONLY = '127.0.0.1,localhost,::1,[::1]'
const NO_PROXY_ENV = { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', ALL_PROXY: '', all_proxy: '', NO_PROXY: '', no_proxy: '' }

async function fuzz(t, seed, calls) {
  const r = await runNode(t, `await import(${JSON.stringify('file://' + PROGRAM)})`, {
    env: { ...NO_PROXY_ENV, OHOS_WEBSOCKET_ALLOWED_DOMAINS: LOCAL_ONLY, FUZZ_SEED: String(seed), FUZZ_CALLS: String(calls) },
    timeout: 45000,
  })
  const line = r.stdout.split('\n').find((l) => l.startsWith('SUMMARY '))
  const summary = line ? JSON.parse(line.slice('SUMMARY '.length)) : undefined
  const context = `seed ${seed}: exit ${r.code}, signal ${r.signal}${r.timedOut ? ', timed out' : ''}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`
  t.false(r.timedOut, `the fuzz run ends by itself within 45 s (${context})`)
  t.is(r.signal, null, `no crash (${context})`)
  t.is(r.code, 0, `exit code 0 (${context})`)
  t.truthy(summary, `the run printed its summary (${context})`)
  if (!summary) return
  t.log(`seed ${seed}: ${summary.calls} calls in ${summary.callMs} ms; ${summary.resolved} resolved, ${summary.threw401} on/off 401 throws, rejected ${JSON.stringify(summary.rejected)}`)
  t.true(summary.calls >= calls, 'every call was made')
  t.is(summary.pending, 0, 'every promise and callback settled')
  t.deepEqual(summary.violations, {}, 'every outcome is one the contract allows')
}

test('40,000 random calls (seed 1): no crash, no hang, only contract outcomes', (t) => fuzz(t, 1, 40000))
test('40,000 random calls (seed 2): no crash, no hang, only contract outcomes', (t) => fuzz(t, 2, 40000))
