// Generate src/api/schema.ts (the REST JSON types) from the contract jupyter_llama_neuron/openapi/openapi.yaml (its
// relative $refs to paths/ and components/ are bundled by openapi-typescript), so the frontend's types are the
// contract itself, not a copy of it. `--check` regenerates in memory and fails when the committed file is
// stale (run by `jlpm check:api-types` in the lint step). `src/api/types.ts` names these types for components.
/* global console, process */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'jupyter_llama_neuron', 'openapi', 'openapi.yaml');
const target = join(root, 'src', 'api', 'schema.ts');

const ast = await openapiTS(pathToFileURL(source), {
  exportType: true,
  emptyObjectsUnknown: true,
  // A default is what the server fills in, so the field stays optional for the client.
  defaultNonNullable: false
});
const header =
  '// Generated from jupyter_llama_neuron/openapi/ by `jlpm build:api-types`: do not edit by hand.\n';
const options = await prettier.resolveConfig(target);
const text = await prettier.format(header + astToString(ast), {
  ...options,
  filepath: target
});

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf-8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== text) {
    console.error(
      'src/api/schema.ts is stale: the contract in jupyter_llama_neuron/openapi/ changed. Run `jlpm build:api-types` and commit the result.'
    );
    process.exit(1);
  }
  console.log('src/api/schema.ts matches jupyter_llama_neuron/openapi/');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
