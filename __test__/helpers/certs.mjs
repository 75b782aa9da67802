// Certificates for the TLS tests, made at test time with the openssl CLI in a fresh temp directory:
//   ca            the test CA (EC P-256), trusted through `caPath`
//   server        localhost + IP 127.0.0.1 (SAN), signed by ca
//   expired       localhost + 127.0.0.1, signed by ca, valid 2020-01-01 .. 2020-01-02 only
//   otherHost     only for `other.example` (SAN), signed by ca: a host name mismatch on 127.0.0.1
//   otherCa       a second, unrelated CA, and otherServer (localhost + 127.0.0.1) signed by it
//   client        an RSA client certificate signed by ca (CN "ohos-test-client"), its key as
//                 plain PKCS#8, PKCS#1, encrypted PKCS#8 (password KEY_PASSWORD) and legacy
//                 OpenSSL-encrypted PEM ("Proc-Type: 4,ENCRYPTED")
//   ecClient      an EC client certificate signed by ca (CN "ohos-test-ec-client"), key as SEC1
//   caDir         a directory holding ca.pem and otherCa.pem (a `caPath` directory)
// Every entry is a file path. `remove()` deletes the directory; `makeCerts(t)` registers it at
// teardown (pass null and call `remove()` yourself to share one set between tests).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const KEY_PASSWORD = 'secret'
export const CLIENT_CN = 'ohos-test-client'
export const EC_CLIENT_CN = 'ohos-test-ec-client'

const OPENSSL = process.env.OPENSSL ?? 'openssl'

function openssl(dir, args, input) {
  try {
    return execFileSync(OPENSSL, args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'] })
  } catch (e) {
    throw new Error(`openssl ${args.join(' ')} failed:\n${e.stderr ?? e.message}`)
  }
}

const SERVER_EXT = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, keyEncipherment',
  'extendedKeyUsage = serverAuth',
]
const CLIENT_EXT = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, keyEncipherment',
  'extendedKeyUsage = clientAuth',
]

/** Generates the whole set; see the file comment. */
export function makeCerts(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohos-ws-certs-'))
  const f = (name) => path.join(dir, name)
  const remove = () => {
    process.off('exit', remove)
    fs.rmSync(dir, { recursive: true, force: true })
  }
  // Also when the worker dies before its teardown hooks run.
  process.once('exit', remove)
  if (t && typeof t.teardown === 'function') t.teardown(remove)
  try {
    return generate(dir, f, remove)
  } catch (e) {
    remove()
    throw e
  }
}

function generate(dir, f, remove) {
  const ecKey = (name) => openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(name)])

  const makeCa = (name, cn) => {
    ecKey(`${name}.key`)
    openssl(dir, [
      'req', '-x509', '-new', '-key', f(`${name}.key`), '-sha256', '-days', '3650', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash',
      '-out', f(`${name}.pem`),
    ])
  }

  let serial = 1
  // A leaf signed by `caName` with `openssl x509 -req`, valid from now for 30 days.
  const makeLeaf = (name, caName, cn, ext, { key = 'ec' } = {}) => {
    if (key === 'ec') ecKey(`${name}.key`)
    else openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f(`${name}.key`)])
    openssl(dir, ['req', '-new', '-key', f(`${name}.key`), '-subj', `/CN=${cn}`, '-out', f(`${name}.csr`)])
    fs.writeFileSync(f(`${name}.ext`), ext.join('\n') + '\n')
    openssl(dir, [
      'x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.pem`), '-CAkey', f(`${caName}.key`),
      '-set_serial', String(++serial), '-days', '30', '-sha256', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`),
    ])
  }

  const sanLocal = 'subjectAltName = DNS:localhost, IP:127.0.0.1'

  makeCa('ca', 'ohos-websocket test CA')
  makeLeaf('server', 'ca', 'localhost', [...SERVER_EXT, sanLocal])
  makeLeaf('otherHost', 'ca', 'other.example', [...SERVER_EXT, 'subjectAltName = DNS:other.example'])
  makeCa('otherCa', 'unrelated test CA')
  makeLeaf('otherServer', 'otherCa', 'localhost', [...SERVER_EXT, sanLocal])
  makeLeaf('client', 'ca', 'ohos-test-client', CLIENT_EXT, { key: 'rsa' })
  makeLeaf('ecClient', 'ca', 'ohos-test-ec-client', CLIENT_EXT)

  // The expired certificate: `openssl x509` (3.0) has only -days, so it is issued with `openssl ca`,
  // which takes explicit dates, from a minimal CA configuration.
  fs.mkdirSync(f('newcerts'))
  fs.writeFileSync(f('index.txt'), '')
  fs.writeFileSync(f('serial'), '1000\n')
  fs.writeFileSync(
    f('ca.cnf'),
    [
      '[ ca ]',
      'default_ca = test_ca',
      '[ test_ca ]',
      `database = ${f('index.txt')}`,
      `new_certs_dir = ${f('newcerts')}`,
      `serial = ${f('serial')}`,
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'email_in_dn = no',
      '[ policy_any ]',
      'commonName = supplied',
      '[ server_ext ]',
      ...SERVER_EXT,
      sanLocal,
      '',
    ].join('\n'),
  )
  ecKey('expired.key')
  openssl(dir, ['req', '-new', '-key', f('expired.key'), '-subj', '/CN=localhost', '-out', f('expired.csr')])
  openssl(dir, [
    'ca', '-batch', '-notext', '-config', f('ca.cnf'), '-cert', f('ca.pem'), '-keyfile', f('ca.key'),
    '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extensions', 'server_ext',
    '-in', f('expired.csr'), '-out', f('expired.pem'),
  ])

  // The client key in every format.
  const key = f('client.key') // genpkey writes PKCS#8
  openssl(dir, ['rsa', '-in', key, '-traditional', '-out', f('client.pkcs1.key')])
  openssl(dir, ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', key, '-passout', `pass:${KEY_PASSWORD}`, '-out', f('client.enc-pkcs8.key')])
  openssl(dir, ['rsa', '-in', key, '-traditional', '-aes256', '-passout', `pass:${KEY_PASSWORD}`, '-out', f('client.legacy-enc.key')])
  openssl(dir, ['ec', '-in', f('ecClient.key'), '-out', f('ecClient.sec1.key')])

  fs.mkdirSync(f('cadir'))
  fs.copyFileSync(f('otherCa.pem'), path.join(dir, 'cadir', 'otherCa.pem'))
  fs.copyFileSync(f('ca.pem'), path.join(dir, 'cadir', 'ca.pem'))

  const pair = (name) => ({ cert: f(`${name}.pem`), key: f(`${name}.key`) })
  const certs = {
    dir,
    remove,
    ca: f('ca.pem'),
    caDir: f('cadir'),
    otherCa: f('otherCa.pem'),
    server: pair('server'),
    expired: pair('expired'),
    otherHost: pair('otherHost'),
    otherServer: pair('otherServer'),
    client: {
      cert: f('client.pem'),
      pkcs8: key,
      pkcs1: f('client.pkcs1.key'),
      encryptedPkcs8: f('client.enc-pkcs8.key'),
      legacyEncrypted: f('client.legacy-enc.key'),
    },
    ecClient: { cert: f('ecClient.pem'), sec1: f('ecClient.sec1.key') },
    /** A path in the directory that does not exist. */
    missing: f('does-not-exist.pem'),
  }
  checkFormats(certs)
  return certs
}

// The tests rely on each key file being in the format its name says.
function checkFormats(certs) {
  const expect = [
    [certs.client.pkcs8, '-----BEGIN PRIVATE KEY-----'],
    [certs.client.pkcs1, '-----BEGIN RSA PRIVATE KEY-----'],
    [certs.client.encryptedPkcs8, '-----BEGIN ENCRYPTED PRIVATE KEY-----'],
    [certs.client.legacyEncrypted, 'Proc-Type: 4,ENCRYPTED'],
    [certs.ecClient.sec1, '-----BEGIN EC PRIVATE KEY-----'],
    [certs.expired.cert, '-----BEGIN CERTIFICATE-----'],
  ]
  for (const [file, marker] of expect) {
    const text = fs.readFileSync(file, 'utf8')
    if (!text.includes(marker)) throw new Error(`certs: ${path.basename(file)} does not contain ${marker}`)
  }
  if (fs.readFileSync(certs.ecClient.sec1, 'utf8').includes('Proc-Type')) throw new Error('certs: SEC1 key is encrypted')
}

// ---------------------------------------------------------------------------------------------
// A wss:// peer serving these certificates
// ---------------------------------------------------------------------------------------------

/**
 * A Node `https` server + `ws` WebSocketServer on 127.0.0.1, port 0, echoing every message with
 * its type. `tls` goes to `https.createServer` (cert/key as file paths are read here; `ca` too):
 * e.g. `{cert, key}`, plus `requestCert`, `rejectUnauthorized`, `ca`, `maxVersion`.
 * Returns `{port, url(path, host), connections, tcpConnections, tlsErrors, close()}`:
 * `connections[i]` = `{path, headers, protocol, authorized, peerCN}` for every accepted WebSocket;
 * `tcpConnections` counts TCP connections; `tlsErrors` = the server's `tlsClientError`s.
 */
export async function startWssServer(t, tls) {
  const { default: https } = await import('node:https')
  const { WebSocketServer } = await import('ws')
  const read = (v) => (typeof v === 'string' ? fs.readFileSync(v) : Array.isArray(v) ? v.map(read) : v)
  const options = { ...tls }
  for (const k of ['cert', 'key', 'ca']) if (options[k] !== undefined) options[k] = read(options[k])
  const server = https.createServer(options, (req, res) => {
    res.writeHead(426)
    res.end('upgrade required')
  })
  const wss = new WebSocketServer({ server, perMessageDeflate: false })
  const connections = []
  const tlsErrors = []
  const sockets = new Set()
  const peer = { port: 0, connections, tlsErrors, tcpConnections: 0, close }
  peer.url = (p = '/', host = '127.0.0.1') => `wss://${host}:${peer.port}${p}`
  server.on('connection', (s) => {
    peer.tcpConnections++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('tlsClientError', (err) => tlsErrors.push(err))
  wss.on('connection', (ws, req) => {
    const cert = req.socket.getPeerCertificate()
    connections.push({
      ws,
      path: req.url,
      headers: req.headers,
      protocol: req.socket.getProtocol(),
      authorized: req.socket.authorized,
      peerCN: cert && cert.subject ? cert.subject.CN : undefined,
    })
    ws.on('error', () => {})
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  peer.port = server.address().port
  let closed = false
  async function close() {
    if (closed) return
    closed = true
    for (const c of connections) c.ws.terminate()
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => wss.close(() => resolve()))
    await new Promise((resolve) => server.close(() => resolve()))
  }
  if (t && typeof t.teardown === 'function') t.teardown(close)
  return peer
}
