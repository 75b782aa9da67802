#!/usr/bin/env node
// `npm test`: prepares the interop peers, runs ava over __test__/**/*.spec.mjs (or the files
// given as arguments), streams its TAP output, runs the Rust unit tests (`cargo test`, when no
// files are given), and ends with one summary line `N passed, M failed[, K skipped]`. Exits
// non-zero when anything failed.
'use strict'

const { spawn, spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.resolve(__dirname, '..')

function setupPeers() {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'setup-peers.js')], { stdio: 'inherit', cwd: root })
  if (r.status !== 0) {
    console.error('test: setting up the test peers failed')
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
}

// The tests talk to peers on 127.0.0.1; a proxy from the environment must not be used for them.
function hermeticEnv() {
  const env = { ...process.env }
  for (const k of Object.keys(env)) {
    if (/^(https?|all|no|ws|wss)_proxy$/i.test(k) || k === 'OHOS_WEBSOCKET_ALLOWED_DOMAINS') delete env[k]
  }
  return env
}

function runAva(args) {
  const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
  const files = args.length > 0 ? args : []
  const child = spawn(process.execPath, [ava, '--tap', ...files], {
    cwd: root,
    env: hermeticEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const counts = { passed: 0, failed: 0, skipped: 0, ok: 0, notOk: 0, skipLines: 0 }
  let buf = ''
  const onLine = (line) => {
    let m
    if ((m = /^# pass (\d+)$/.exec(line))) counts.passed = Number(m[1])
    else if ((m = /^# fail (\d+)$/.exec(line))) counts.failed = Number(m[1])
    else if ((m = /^# skip (\d+)$/.exec(line))) counts.skipped = Number(m[1])
    else if (/^not ok \d+/.test(line)) counts.notOk++
    else if (/^ok \d+.*# SKIP/.test(line)) counts.skipLines++
    else if (/^ok \d+/.test(line)) counts.ok++
  }
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk)
    buf += chunk
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i).replace(/\r$/, ''))
      buf = buf.slice(i + 1)
    }
  })
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      if (buf) onLine(buf)
      resolve({ code, signal, counts })
    })
  })
}

/** The core's unit tests, in the release profile the addon was built with (its crates are reused). */
function runCargoTests() {
  const r = spawnSync('cargo', ['test', '--release', '--lib'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  process.stdout.write(r.stdout || '')
  const m = /test result: \w+\. (\d+) passed; (\d+) failed/.exec(r.stdout || '')
  if (r.status !== 0 || !m) return { passed: m ? Number(m[1]) : 0, failed: Math.max(1, m ? Number(m[2]) : 1) }
  return { passed: Number(m[1]), failed: Number(m[2]) }
}

async function main() {
  setupPeers()
  const files = process.argv.slice(2)
  const { code, signal, counts } = await runAva(files)
  // Trust the TAP summary; fall back on counting test lines when ava died before printing it.
  let passed = Math.max(counts.passed, counts.ok)
  let failed = Math.max(counts.failed, counts.notOk)
  if (files.length === 0) {
    const rust = runCargoTests()
    passed += rust.passed
    failed += rust.failed
  }
  const skipped = Math.max(counts.skipped, counts.skipLines)
  if ((code !== 0 || signal) && failed === 0) failed = 1
  if (passed + failed + skipped === 0) failed = 1 // ran no test: that is a failure
  console.log('')
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
  process.exit(failed > 0 ? 1 : 0)
}

main().catch((err) => {
  console.error(err)
  console.log('0 passed, 1 failed')
  process.exit(1)
})
