/**
 * Prints the schema built from the code. `--write` saves it to schema.graphql; `--check` fails
 * when schema.graphql differs, so a stale committed schema cannot land.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { lexicographicSortSchema, printSchema } from 'graphql';

import { schema } from '../src/schema/index.js';

const file = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;
const mode = process.argv[2];

if (mode === '--write') {
  await writeFile(file, printed);
  console.log(`wrote ${file}`);
} else if (mode === '--check') {
  const committed = await readFile(file, 'utf8').catch(() => '');
  if (committed !== printed) {
    console.error('schema.graphql is out of date: run `npm run schema:write` and commit it.');
    process.exitCode = 1;
  }
} else {
  process.stdout.write(printed);
}
