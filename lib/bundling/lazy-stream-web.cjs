/**
 * `node:stream/web` for the functions' bundles, loaded on first use (lib/function-bundling.ts
 * aliases the module here). @middy/core imports Node's web streams at its top for its
 * response-streaming mode, which these functions never use; loading them costs 3 to 6 ms
 * of every cold start. Each export is the real one, looked up when first touched (a
 * payment SDK that streams gets exactly what it imported).
 */
'use strict';

const EXPORTS = [
  'ReadableStream',
  'ReadableStreamDefaultReader',
  'ReadableStreamBYOBReader',
  'ReadableStreamBYOBRequest',
  'ReadableByteStreamController',
  'ReadableStreamDefaultController',
  'TransformStream',
  'TransformStreamDefaultController',
  'WritableStream',
  'WritableStreamDefaultWriter',
  'WritableStreamDefaultController',
  'ByteLengthQueuingStrategy',
  'CountQueuingStrategy',
  'TextEncoderStream',
  'TextDecoderStream',
  'CompressionStream',
  'DecompressionStream',
];

// Not `require`: the bundler would alias that back to this file.
const real = () => process.getBuiltinModule('node:stream/web');
for (const name of EXPORTS) Object.defineProperty(exports, name, { enumerable: true, get: () => real()[name] });
