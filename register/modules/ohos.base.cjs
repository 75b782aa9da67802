'use strict';
// `@ohos.base` for `require`. In ArkTS these are interfaces; at run time only BusinessError needs a value
// (so that `import { BusinessError } from ...` links), and errors of this package are plain
// `{ code, message }` objects, not instances of it.

/** OpenHarmony's error type: an Error with a numeric `code` and optional `data`. */
class BusinessError extends Error {
  /**
   * @param {string} [message]
   * @param {number} [code]
   * @param {unknown} [data]
   */
  constructor(message, code, data) {
    super(message);
    this.name = 'BusinessError';
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

module.exports = {
  BusinessError,
  // Type-only names in ArkTS. Exported (as undefined) so that loaders that strip types without eliding
  // imports, such as Node's own --experimental-strip-types, can still link `import { Callback } from ...`.
  Callback: undefined,
  ErrorCallback: undefined,
  AsyncCallback: undefined,
};
