#!/usr/bin/env node
// Prepares the interop peers the test suite talks to: a Python virtualenv in `.venv` with the
// `websockets` package (the reference WebSocket implementation of the Python world).
// Idempotent: when `.venv/bin/python` can already import websockets, it does nothing.
'use strict'

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const venv = path.join(root, '.venv')
const isWindows = process.platform === 'win32'
const venvPython = path.join(venv, isWindows ? 'Scripts/python.exe' : 'bin/python')
const requirement = 'websockets>=13'

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`)
}

function hasWebsockets() {
  if (!fs.existsSync(venvPython)) return false
  const r = spawnSync(venvPython, ['-c', 'import websockets.asyncio.server'], { stdio: 'ignore' })
  return r.status === 0
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python']) {
    if (!candidate) continue
    const r = spawnSync(candidate, ['-c', 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 9) else 1)'], {
      stdio: 'ignore',
    })
    if (r.status === 0) return candidate
  }
  throw new Error('setup-peers: no Python >= 3.9 with the venv module found (install python3 and python3-venv)')
}

function main() {
  if (hasWebsockets()) return
  if (!fs.existsSync(venvPython)) {
    console.log('setup-peers: creating .venv')
    // A half-made venv (e.g. without pip because ensurepip was missing) is removed and made again.
    fs.rmSync(venv, { recursive: true, force: true })
    run(findPython(), ['-m', 'venv', venv])
  }
  console.log(`setup-peers: installing ${requirement} into .venv`)
  run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', requirement])
  if (!hasWebsockets()) throw new Error('setup-peers: websockets is still not importable from .venv')
}

module.exports = { venvPython, hasWebsockets }

if (require.main === module) {
  try {
    main()
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
