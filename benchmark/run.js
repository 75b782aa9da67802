#!/usr/bin/env node
'use strict'
// `npm run bench`: the benchmark suite. Builds the Rust echo server if needed, makes a TLS
// certificate, then runs every workload (benchmark/workloads.js) for ohos-websocket, ws and undici,
// each client in its own process on CPU 0 and the server on CPU 1, and reports the medians and the
// ratios to ws as a markdown table, benchmark/results.md and benchmark/results.svg.
//
// Options: --quick (1 run, small counts: a smoke test), --only <id>[,<id>...], --runs <n>,
// --perf (record each client process with `perf record -g`, JS frames named via --perf-basic-prof,
// into benchmark/.tmp/perf-<workload>-<client>-<run>.data; the figures are then not comparable),
// --render (measure nothing: rewrite results.md and results.svg from results.json).
// --quick and --only write their report to benchmark/.tmp/ instead, leaving the committed results.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawnSync } = require('node:child_process')
const { WORKLOADS } = require('./workloads.js')
const { startServer, runJson, stop, killAll } = require('./processes.js')
const { summarise, markdownTable, markdownReport, svgChart, LIBS } = require('./report.js')

const HERE = __dirname
const ECHO_DIR = path.join(HERE, 'echo-server')
const ECHO_BIN = path.join(ECHO_DIR, 'target', 'release', 'echo-server')
const TMP = path.join(HERE, '.tmp')

function parseOptions(argv) {
  const options = { quick: false, only: null, runs: null, perf: false, render: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--quick') options.quick = true
    else if (arg === '--only') options.only = String(argv[++i] ?? '').split(',').filter(Boolean)
    else if (arg === '--runs') options.runs = Number(argv[++i])
    else if (arg === '--perf') options.perf = true
    else if (arg === '--render') options.render = true
    else if (arg === '--help' || arg === '-h') {
      console.log(`usage: node benchmark/run.js [--quick] [--only ${WORKLOADS.map((w) => w.id).join('|')}[,...]] [--runs N] [--perf] [--render]`)
      process.exit(0)
    } else throw new Error(`unknown option ${arg}`)
  }
  if (options.only) {
    const unknown = options.only.filter((id) => !WORKLOADS.some((w) => w.id === id))
    if (unknown.length) throw new Error(`unknown workload ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`)
  }
  // Five runs: on a shared machine the median of three still moves with the neighbours' load.
  if (options.runs === null) options.runs = options.quick ? 1 : 5
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error('--runs needs a positive integer')
  return options
}

/** Builds the echo server, or brings it up to date with its sources (a no-op when it is). */
function buildEchoServer() {
  if (!fs.existsSync(ECHO_BIN)) console.log('Building the Rust echo server (benchmark/echo-server, cargo build --release)...')
  const result = spawnSync('cargo', ['build', '--release', '--quiet'], { cwd: ECHO_DIR, stdio: 'inherit' })
  if (result.status !== 0) throw new Error('cargo build of benchmark/echo-server failed')
}

/** A CA and a leaf certificate for 127.0.0.1 (ECDSA P-256: cheap handshakes for both sides). */
function makeCertificate() {
  fs.mkdirSync(TMP, { recursive: true })
  const file = (name) => path.join(TMP, name)
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=ohos-websocket benchmark CA')
  openssl('req', ...ec, '-keyout', file('key.pem'), '-out', file('leaf.csr'), '-subj', '/CN=localhost')
  fs.writeFileSync(
    file('leaf.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  )
  openssl('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial',
    '-out', file('cert.pem'), '-days', '2', '-extfile', file('leaf.ext'))
  return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem') }
}

function packageVersion(name) {
  try {
    return require(`${name}/package.json`).version
  } catch {
    return 'not installed'
  }
}

/** A fingerprint of the addon binaries in the package root, to notice a rebuild during a run. */
function addonFingerprint() {
  const root = path.join(HERE, '..')
  const hash = require('node:crypto').createHash('sha256')
  const files = fs.readdirSync(root).filter((f) => f.endsWith('.node')).sort()
  for (const file of files) hash.update(file).update(fs.readFileSync(path.join(root, file)))
  return files.length ? hash.digest('hex').slice(0, 12) : 'no binary'
}

function machineInfo(options, cpus) {
  const cpuModel = (os.cpus()[0]?.model ?? 'unknown CPU').trim()
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: HERE, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../src', '../lib', '../index.js'], { cwd: HERE, encoding: 'utf8' })
    if (dirty.trim()) commit += ' (with uncommitted changes)'
  } catch {}
  let bufferutil = 'not installed'
  try {
    bufferutil = require('bufferutil').mask.toString().includes('[native code]') ? 'native' : 'JS fallback'
  } catch {}
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: os.availableParallelism(),
    cpu: cpuModel,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
    node: process.version,
    commit,
    ws: packageVersion('ws'),
    bufferutil,
    undici: packageVersion('undici'),
    addon: addonFingerprint(),
    loadStart: os.loadavg().map((l) => l.toFixed(2)).join(', '),
    loadEnd: '',
    clientCpu: cpus.client,
    serverCpu: cpus.server,
    mode: options.quick ? 'quick run (--quick: small counts)' : 'full run',
    runs: options.runs,
  }
}

/** Client libraries in a different order each run, so that none always goes first. */
function rotated(libs, run) {
  const k = run % libs.length
  return [...libs.slice(k), ...libs.slice(0, k)]
}

/** The command that runs one client process: node, or node under `perf record` with --perf. */
function clientCommand(workload, lib, run, perf, args) {
  if (!perf) return [process.execPath, ['--expose-gc', ...args]]
  const data = path.join(TMP, `perf-${workload.id}-${lib}-${run + 1}.data`)
  return ['perf', ['record', '-q', '-F', '999', '-g', '-o', data, '--', process.execPath, '--perf-basic-prof', '--expose-gc', ...args]]
}

async function measureClient(workload, lib, run, params, certs, cpus, timeoutMs, perf) {
  // --spin: the server polls without sleeping on its own core, so that no client's figures include
  // the wake-up of the server's thread (see benchmark/README.md).
  const serverArgs = ['--spin', ...(workload.tls ? ['--tls', certs.cert, certs.key] : [])]
  const { child: server, port } = await startServer(cpus.server, ECHO_BIN, serverArgs)
  try {
    const url = `${workload.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/`
    const full = { ...params, url, ...(workload.tls ? { ca: certs.ca } : {}) }
    const script = path.join(HERE, 'client-workloads.js')
    const [command, args] = clientCommand(workload, lib, run, perf, [script, lib, workload.script, JSON.stringify(full)])
    return await runJson(cpus.client, command, args, timeoutMs)
  } finally {
    await stop(server)
  }
}

async function measureServer(workload, lib, params, cpus, timeoutMs) {
  const script = path.join(HERE, 'server-under-test.js')
  const { child: server, port } = await startServer(cpus.client, process.execPath, [script, lib])
  try {
    const args = ['client', '--url', `ws://127.0.0.1:${port}/`, '--timeout', String(Math.floor(timeoutMs / 1000) - 2)]
    for (const [name, value] of Object.entries(params)) args.push(`--${name}`, String(value))
    return await runJson(cpus.server, ECHO_BIN, args, timeoutMs)
  } finally {
    await stop(server)
  }
}

function describe(result, workload) {
  if (result.error) return `error: ${result.error}`
  return workload.rows
    .map((row) => (result[row.metric] === undefined ? null : `${row.metric}=${Number(result[row.metric]).toPrecision(4)}`))
    .filter(Boolean)
    .join(' ')
}

/** Writes results.md and results.svg into `dir`; returns the summary rows. */
function writeReport(dir, machine, measurements) {
  const rows = summarise(WORKLOADS, measurements)
  fs.writeFileSync(path.join(dir, 'results.md'), markdownReport(rows, machine))
  fs.writeFileSync(path.join(dir, 'results.svg'), svgChart(rows, machine))
  return rows
}

async function main() {
  const options = parseOptions(process.argv.slice(2))
  if (options.render) {
    const { machine, measurements } = JSON.parse(fs.readFileSync(path.join(HERE, 'results.json'), 'utf8'))
    console.log(markdownTable(writeReport(HERE, machine, measurements)))
    return
  }
  const parallelism = os.availableParallelism()
  const cpus = parallelism >= 2 ? { client: 0, server: 1 } : { client: 0, server: 0 }
  if (parallelism < 2) console.warn('Only one CPU: client and server share it; the figures will be poor.')
  buildEchoServer()
  const certs = makeCertificate()
  const machine = machineInfo(options, cpus)
  const workloads = WORKLOADS.filter((w) => !options.only || options.only.includes(w.id))
  const timeoutMs = options.quick ? 60000 : 120000
  const measurements = {}
  const started = Date.now()

  for (const workload of workloads) {
    const params = options.quick ? workload.params.quick : workload.params.full
    const libs = workload.kind === 'server' ? ['ohos', 'ws'] : LIBS
    measurements[workload.id] = []
    for (let run = 0; run < options.runs; run++) {
      const results = {}
      for (const lib of rotated(libs, run)) {
        const began = Date.now()
        try {
          results[lib] =
            workload.kind === 'server'
              ? await measureServer(workload, lib, params, cpus, timeoutMs)
              : await measureClient(workload, lib, run, params, certs, cpus, timeoutMs, options.perf)
        } catch (err) {
          results[lib] = { error: err.message }
        }
        const took = `${((Date.now() - began) / 1000).toFixed(1)} s`.padStart(7)
        console.log(`${workload.id.padEnd(17)} run ${run + 1}/${options.runs} ${lib.padEnd(6)} ${took}  ${describe(results[lib], workload)}`)
      }
      measurements[workload.id].push(results)
    }
  }

  machine.loadEnd = os.loadavg().map((l) => l.toFixed(2)).join(', ')
  if (addonFingerprint() !== machine.addon) {
    machine.addon += ', REBUILT during the run: the figures mix two builds'
    console.warn('Warning: the addon binary changed during the run; the figures mix two builds.')
  }
  const partial = options.quick || options.only || options.perf || options.runs < 3
  const outDir = partial ? TMP : HERE
  fs.mkdirSync(outDir, { recursive: true })
  const rows = writeReport(outDir, machine, measurements)
  fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify({ machine, measurements }, null, 1)}\n`)

  console.log('')
  console.log(markdownTable(rows))
  console.log('')
  const targets = rows.filter((r) => r.pass !== null)
  console.log(`${targets.filter((r) => r.pass).length} of ${targets.length} targets hold. ${((Date.now() - started) / 1000).toFixed(0)} s; load ${machine.loadStart} → ${machine.loadEnd}.`)
  console.log(`Written: ${path.relative(process.cwd(), path.join(outDir, 'results.md'))}, results.svg, results.json`)
}

main()
  .catch((err) => {
    console.error(err.stack || String(err))
    process.exitCode = 1
  })
  .finally(killAll)
