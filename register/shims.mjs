// The ArkTS module specifiers this package stands in for, and the shim module that answers each.
// Shared by the ESM hook (hooks.mjs, which runs on the loader thread) and the CommonJS patch (index.mjs).

/** ArkTS specifier → base name of its shim in ./modules/ (`<name>.mjs` for import, `<name>.cjs` for require). */
export const shims = new Map([
  ['@kit.NetworkKit', 'kit.NetworkKit'],
  ['@ohos.net.webSocket', 'ohos.net.webSocket'],
  ['@kit.BasicServicesKit', 'kit.BasicServicesKit'],
  // Older ArkTS code imports BusinessError and the callback types from here.
  ['@ohos.base', 'ohos.base'],
]);

/**
 * The shim module that answers an ArkTS specifier, or `undefined` for any other specifier.
 *
 * @param {string} specifier - what the code imports or requires.
 * @param {'import' | 'require'} kind - which loader asks.
 * @returns {URL | undefined}
 */
export function shimFor(specifier, kind) {
  const name = shims.get(specifier);
  if (name === undefined) return undefined;
  return new URL(`./modules/${name}.${kind === 'require' ? 'cjs' : 'mjs'}`, import.meta.url);
}
