// run.mjs: runs CityBench SQL on a DuckDB database file through @duckdb/node-api, for
// bench/sidebyside.sh and for a reader at the shell.
//
//   node run.mjs DB [--set NAME=VALUE]... --exec FILE        run a script (e.g. load.sql)
//   node run.mjs DB [--set NAME=VALUE]... --time FILE N      one warm-up run, then N timed runs
//   node run.mjs DB [--set NAME=VALUE]... --csv FILE         the result rows as CSV, no header
//
// --set makes getvariable('NAME') return VALUE in the SQL (load.sql reads the CSV directory so).
// --time prints one line per timed run, "ms X": wall time of runAndReadAll, i.e. the statement
// executed and its result materialised in this process, not printed; the same thing gridpulse's
// EXPLAIN ANALYZE "total" and PostgreSQL's "Execution Time" count. --csv prints integers as
// integers, doubles in JavaScript's shortest round-trip form, DECIMALs exactly, NULL as empty.
// The module is resolved through NODE_PATH or a node_modules beside the caller's cwd: install
// it outside the repository, e.g. npm install --prefix DIR @duckdb/node-api@1.5.6-r.1.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'noop.js'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));

function usage(msg) {
  process.stderr.write(`run.mjs: ${msg}\nusage: node run.mjs DB [--set N=V]... (--exec F | --time F N | --csv F)\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length < 3) usage('missing arguments');
const db = args.shift();
const sets = [];
let mode = null, file = null, runs = 0;
while (args.length) {
  const a = args.shift();
  if (a === '--set') {
    const kv = args.shift() ?? usage('--set wants NAME=VALUE');
    const i = kv.indexOf('=');
    if (i <= 0) usage('--set wants NAME=VALUE');
    sets.push([kv.slice(0, i), kv.slice(i + 1)]);
  } else if (a === '--exec' || a === '--csv') {
    mode = a.slice(2); file = args.shift() ?? usage(`${a} wants a file`);
  } else if (a === '--time') {
    mode = 'time'; file = args.shift() ?? usage('--time wants a file');
    runs = Number(args.shift());
    if (!Number.isInteger(runs) || runs < 1) usage('--time wants a positive run count');
  } else usage(`unknown argument ${a}`);
}
if (!mode) usage('no --exec, --time or --csv');

const sql = readFileSync(file, 'utf8');
const instance = await DuckDBInstance.create(db);
const conn = await instance.connect();
for (const [k, v] of sets) await conn.run(`SET VARIABLE ${k} = '${v.replaceAll("'", "''")}'`);

function cell(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(0) : String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 19).replace('T', ' ');
  return v.toString(); // strings, DuckDB value objects (DECIMAL prints exactly)
}

if (mode === 'exec') {
  await conn.run(sql);
} else if (mode === 'time') {
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    await conn.runAndReadAll(sql);
    const ms = performance.now() - t0;
    if (i > 0) process.stdout.write(`ms ${ms.toFixed(3)}\n`);
  }
} else {
  const reader = await conn.runAndReadAll(sql);
  const out = reader.getRows().map((r) => r.map(cell).join(',')).join('\n');
  process.stdout.write(out ? out + '\n' : '');
}
conn.closeSync?.();
instance.closeSync?.();
