'use strict'
// `npm install`: use a prebuilt binary when one fits this platform, else build the addon from
// source (release mode) with @napi-rs/cli and the Rust toolchain.

const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')

function loads() {
  const probe = spawnSync(process.execPath, ['-e', "require('./binding.js')"], { cwd: root, stdio: 'ignore' })
  return probe.status === 0
}

if (process.env.OHOS_WEBSOCKET_FORCE_BUILD !== '1' && loads()) {
  process.exit(0)
}

const cargo = spawnSync('cargo', ['--version'], { stdio: 'ignore' })
if (cargo.status !== 0) {
  console.error(
    'ohos-websocket: no prebuilt binary fits this platform and no Rust toolchain was found.\n' +
      'Install Rust (https://rustup.rs) and run `npm install` again.',
  )
  process.exit(1)
}

let cli
try {
  const manifest = require.resolve('@napi-rs/cli/package.json', { paths: [root] })
  const { bin } = require(manifest)
  cli = path.join(path.dirname(manifest), typeof bin === 'string' ? bin : bin.napi)
} catch {
  console.error('ohos-websocket: @napi-rs/cli is missing; run `npm install` in the package folder.')
  process.exit(1)
}
console.log('ohos-websocket: building the native addon from source (release)...')
const build = spawnSync(
  process.execPath,
  [cli, 'build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts'],
  { cwd: root, stdio: 'inherit' },
)
process.exit(build.status === null ? 1 : build.status)
