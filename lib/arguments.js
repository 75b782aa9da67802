'use strict'
// Type checks of the client's arguments (error 401, CONTRACT §2, §3, §7), and their translation into
// the flat options `NativeClient.connect` takes. An explicit `undefined` field counts as absent;
// unknown fields are ignored.

const { isArrayBuffer } = require('node:util').types

/** Thrown (and caught by the caller) for any argument the contract answers with 401. */
class ParameterError extends Error {}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
const isString = (v) => typeof v === 'string'
const isNumber = (v) => typeof v === 'number' && !Number.isNaN(v)
const isBoolean = (v) => typeof v === 'boolean'

function check(ok) {
  if (!ok) throw new ParameterError()
}

/** Reads `object[name]`: `undefined` when absent, otherwise it must pass `is`. */
function field(object, name, is) {
  const value = object[name]
  if (value === undefined) return undefined
  check(is(value))
  return value
}

// An HTTP header name is a token; CR, LF and NUL never belong in a name or a value.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const FORBIDDEN_IN_VALUE = /[\r\n\0]/

function headers(header) {
  if (header === undefined) return []
  check(isObject(header))
  const pairs = []
  for (const name of Object.keys(header)) {
    const value = header[name]
    // Non-string and empty values are dropped, as the runtime does.
    if (!isString(value) || value === '') continue
    check(TOKEN.test(name) && !FORBIDDEN_IN_VALUE.test(value))
    pairs.push([name.toLowerCase(), value])
  }
  return pairs
}

function proxy(options, out) {
  const proxy = options.proxy
  if (proxy === undefined || proxy === 'system') {
    out.proxy = 'system'
  } else if (proxy === 'no-proxy') {
    out.proxy = 'no-proxy'
  } else {
    check(isObject(proxy))
    const port = field(proxy, 'port', isNumber)
    check(port === undefined || (Number.isInteger(port) && port >= 0 && port <= 65535))
    const exclusionList = field(proxy, 'exclusionList', Array.isArray) || []
    check(exclusionList.every(isString))
    out.proxy = 'http'
    out.proxyHost = field(proxy, 'host', isString) || ''
    out.proxyPort = port || 0
    out.proxyExclusionList = exclusionList
    out.proxyUsername = field(proxy, 'username', isString)
    out.proxyPassword = field(proxy, 'password', isString)
  }
}

/**
 * Checks `connect`'s arguments (callback already split off) and returns `{url, options}` for the
 * native side. Throws ParameterError.
 */
function connectArguments(rest) {
  check(rest.length >= 1 && rest.length <= 2 && isString(rest[0]))
  const options = rest.length === 2 ? rest[1] : {}
  check(isObject(options))
  const out = { headers: headers(options.header) }
  out.protocol = field(options, 'protocol', isString)
  out.caPath = field(options, 'caPath', isString)
  const clientCert = field(options, 'clientCert', isObject)
  if (clientCert) {
    out.certPath = field(clientCert, 'certPath', isString)
    out.keyPath = field(clientCert, 'keyPath', isString)
    out.keyPassword = field(clientCert, 'keyPassword', isString)
  }
  out.skipServerCertVerification = field(options, 'skipServerCertVerification', isBoolean)
  out.minSupportTlsProtocol = field(options, 'minSupportTlsProtocol', isNumber)
  out.supportOriginPort = field(options, 'supportOriginPort', isBoolean)
  out.pingInterval = field(options, 'pingInterval', isNumber)
  out.pongTimeout = field(options, 'pongTimeout', isNumber)
  out.maxMessageSize = field(options, 'maxMessageSize', (v) => isNumber(v) && v > 0)
  out.maxFrameSize = field(options, 'maxFrameSize', (v) => isNumber(v) && v > 0)
  proxy(options, out)
  return { url: rest[0], options: out }
}

/** Checks `send`'s arguments; returns the data (a string or an ArrayBuffer). */
function sendArguments(rest) {
  check(rest.length === 1 && (isString(rest[0]) || isArrayBuffer(rest[0])))
  return rest[0]
}

/** Checks `close`'s arguments; returns `{code, reason}` (either may be undefined). */
function closeArguments(rest) {
  check(rest.length <= 1)
  if (rest.length === 0) return { code: undefined, reason: undefined }
  const options = rest[0]
  check(isObject(options))
  return { code: field(options, 'code', isNumber), reason: field(options, 'reason', isString) }
}

/** Node's permission model, when active, decides whether the process may open connections (201). */
function networkAllowed() {
  const permission = process.permission
  if (!permission || typeof permission.has !== 'function') return true
  try {
    return permission.has('net') !== false
  } catch {
    // Node versions whose permission model has no 'net' scope do not restrict the network.
    return true
  }
}

module.exports = { ParameterError, connectArguments, sendArguments, closeArguments, networkAllowed }
