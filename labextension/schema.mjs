// The TypeScript wire types of the REST API, generated from api/openapi.yaml into src/schema.ts.
// `node schema.mjs` writes the file; `node schema.mjs --check` fails when it is out of date
// (`make test` runs the check, so a change to the spec comes with its regenerated types).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

const SPEC = new URL('../api/openapi.yaml', import.meta.url);
const OUTPUT = fileURLToPath(new URL('src/schema.ts', import.meta.url));
const HEADER = `/**
 * The REST API's types, generated from api/openapi.yaml by openapi-typescript: do not edit.
 * Regenerate with \`npm run schema\`; \`make test\` fails while this file is out of date.
 */
`;

async function generate() {
  // Fields with a default are optional in requests: keep them optional here too.
  const ast = await openapiTS(SPEC, { defaultNonNullable: false });
  const options = await prettier.resolveConfig(OUTPUT);
  return prettier.format(HEADER + astToString(ast), {
    ...options,
    filepath: OUTPUT
  });
}

const generated = await generate();
if (process.argv.includes('--check')) {
  const committed = await readFile(OUTPUT, 'utf8').catch(() => '');
  if (committed !== generated) {
    process.stderr.write(
      'src/schema.ts is not what api/openapi.yaml generates: run `npm run schema` ' +
        'in labextension/ and commit the result.\n'
    );
    process.exit(1);
  }
} else {
  await writeFile(OUTPUT, generated);
}
