// Module loader hooks for record-loads.js: append the URL of every module loaded through the ESM loader,
// and for each import of a built-in or a package, which module imported it.

import { appendFileSync } from 'node:fs';

let file = null;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const relativeOrAbsolute = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
  if (file && !relativeOrAbsolute && context.parentURL) appendFileSync(file, `import ${specifier} ${context.parentURL}\n`);
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (file) appendFileSync(file, `load ${url}\n`);
  return nextLoad(url, context);
}
