// Module customization hooks (Node >= 20.6, registered by ./index.mjs): `import '@kit.NetworkKit'` and the
// other ArkTS specifiers resolve to the shims in ./modules/.
import { shimFor } from './shims.mjs';

/**
 * Resolves the ArkTS specifiers to their shims; passes everything else on.
 *
 * @param {string} specifier
 * @param {{ conditions?: string[] }} context
 * @param {Function} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  // Newer Node versions also send `require()` calls of hooked CommonJS modules through this hook; answer
  // those with the CommonJS shim so that both loaders share one set of objects.
  const kind = context.conditions?.includes('require') ? 'require' : 'import';
  const shim = shimFor(specifier, kind);
  if (shim === undefined) return nextResolve(specifier, context);
  return { url: shim.href, format: kind === 'require' ? 'commonjs' : 'module', shortCircuit: true };
}
