'use strict'
// Business errors as the API hands them out: plain `{code, message}` objects (not Error instances),
// so `JSON.stringify(err)` shows both. Codes and messages are defined once, in `src/errors.rs`.

const { errorMessage } = require('../binding.js')

/** Argument types or values the contract does not accept. */
const PARAMETER_ERROR = 401
/** Anything else: no session, close already requested, ... */
const UNKNOWN_ERROR = 2302999

/** The `{code, message}` object for a code. */
function businessError(code) {
  return { code, message: errorMessage(code) }
}

/** What `on`/`off` throw synchronously for bad arguments: an Error whose `code` is the string "401". */
function parameterThrow() {
  const err = new Error(errorMessage(PARAMETER_ERROR))
  err.code = String(PARAMETER_ERROR)
  return err
}

module.exports = { PARAMETER_ERROR, UNKNOWN_ERROR, businessError, parameterThrow }
