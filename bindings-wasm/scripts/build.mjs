#!/usr/bin/env node
// Builds the npm package's WASM and glue into pkg/node (CommonJS, for Node) and pkg/web
// (an ES module with an init() for browsers):
//
//   1. the wasm32-unknown-unknown target (rustup target add, if missing),
//   2. wasm-bindgen-cli at exactly the wasm-bindgen version of the root Cargo.lock
//      (cargo install --locked --debug, if missing),
//   3. cargo build --release --target wasm32-unknown-unknown with SIMD (+simd128), LTO,
//   4. wasm-bindgen --target nodejs and --target web,
//   5. wasm-opt -O3 from the npm package binaryen (skipped if it is not installed).
//
// Env: SANSOCKET_WASM_NO_OPT=1 skips wasm-opt; SANSOCKET_WASM_NO_SIMD=1 builds without SIMD;
// CARGO_TARGET_DIR overrides the build folder (default bindings-wasm/target).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(here, '..');
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(here, 'target');
const crate = 'sansocket_wasm';
const WASM_TARGET = 'wasm32-unknown-unknown';

function log(message) {
  console.log(`build: ${message}`);
}

function fail(message) {
  console.error(`build: ERROR: ${message}`);
  process.exit(1);
}

/** Runs a command; returns its result. `timeout` in seconds. */
function run(cmd, args, { timeout = 0, env = {}, capture = false } = {}) {
  const result = spawnSync(cmd, args, {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
    timeout: timeout * 1000,
  });
  if (result.error && result.error.code === 'ENOENT') {
    return { status: 127, stdout: '', stderr: `${cmd}: not found` };
  }
  return result;
}

/** Runs a command up to `tries` times (slow mirrors), waiting a little longer each time. */
function retry(tries, cmd, args, options) {
  for (let i = 1; i <= tries; i++) {
    const result = run(cmd, args, options);
    if (result.status === 0) return true;
    log(`attempt ${i} of ${tries} failed: ${cmd} ${args.join(' ')}`);
    if (i < tries) spawnSync('sleep', [String(i * 5)]);
  }
  return false;
}

function ensureTarget() {
  const installed = run('rustup', ['target', 'list', '--installed'], { capture: true });
  if (installed.status === 127) {
    log('rustup not found: assuming the toolchain has the wasm32-unknown-unknown target');
    return;
  }
  if (installed.stdout.split('\n').includes(WASM_TARGET)) return;
  log(`adding the ${WASM_TARGET} target`);
  if (!retry(3, 'rustup', ['target', 'add', WASM_TARGET], { timeout: 300 })) {
    fail(`could not add the ${WASM_TARGET} target: run \`rustup target add ${WASM_TARGET}\``);
  }
}

/** The wasm-bindgen version pinned in the root Cargo.lock. */
function lockedVersion() {
  const lock = readFileSync(join(repo, 'Cargo.lock'), 'utf8');
  const m = lock.match(/\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) fail('wasm-bindgen is not in Cargo.lock (is bindings-wasm a workspace member?)');
  return m[1];
}

/** The wasm-bindgen CLI at `version`: on PATH, in ~/.cargo/bin, or installed there now. */
function ensureBindgen(version) {
  const candidates = ['wasm-bindgen', join(homedir(), '.cargo', 'bin', 'wasm-bindgen')];
  const find = () =>
    candidates.find((c) => {
      const r = run(c, ['--version'], { capture: true });
      return r.status === 0 && r.stdout.trim() === `wasm-bindgen ${version}`;
    });
  let cli = find();
  if (cli) return cli;
  // --debug: an unoptimised build compiles faster than a release one (fewer CPU minutes), and
  // still turns our module into JavaScript in about 2 s (the output is identical).
  log(`installing wasm-bindgen-cli ${version} (cargo install --debug --locked; a few minutes)`);
  const args = ['install', 'wasm-bindgen-cli', '--version', version, '--locked', '--debug'];
  const ok = retry(3, 'cargo', args, {
    timeout: 1800,
  });
  cli = ok && find();
  if (!cli) fail(`could not install wasm-bindgen-cli ${version}: run \`cargo install wasm-bindgen-cli --version ${version} --locked --debug\``);
  return cli;
}

function buildWasm() {
  const flags = ['-C', 'target-feature=+simd128'];
  if (process.env.SANSOCKET_WASM_NO_SIMD === '1') flags.length = 0;
  log(`cargo build --release --target ${WASM_TARGET} -p sansocket-wasm (${flags.join(' ') || 'no SIMD'})`);
  const result = run('cargo', ['build', '--release', '--target', WASM_TARGET, '-p', 'sansocket-wasm'], {
    env: {
      CARGO_TARGET_DIR: targetDir,
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: flags.join(' '),
      CARGO_PROFILE_RELEASE_LTO: 'true',
      CARGO_PROFILE_RELEASE_CODEGEN_UNITS: '1',
      CARGO_PROFILE_RELEASE_DEBUG: '0',
      CARGO_PROFILE_RELEASE_OPT_LEVEL: '3',
    },
  });
  if (result.status !== 0) fail('cargo build failed');
  return join(targetDir, WASM_TARGET, 'release', `${crate}.wasm`);
}

function bindgen(cli, wasm, target) {
  const out = join(here, 'pkg', target === 'nodejs' ? 'node' : 'web');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  log(`wasm-bindgen --target ${target} -> ${out}`);
  const result = run(cli, [wasm, '--target', target, '--out-dir', out, '--no-typescript']);
  if (result.status !== 0) fail(`wasm-bindgen --target ${target} failed`);
  // The package is "type": "module"; the nodejs glue is CommonJS.
  const type = target === 'nodejs' ? 'commonjs' : 'module';
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
  return join(out, `${crate}_bg.wasm`);
}

function optimize(file) {
  if (process.env.SANSOCKET_WASM_NO_OPT === '1') return;
  const wasmOpt = join(here, 'node_modules', '.bin', 'wasm-opt');
  if (!existsSync(wasmOpt)) {
    log('wasm-opt (npm binaryen) not installed: skipping the optimization pass');
    return;
  }
  const before = statSync(file).size;
  // The features rustc enables for wasm32 by default, plus SIMD.
  const features = [
    '--enable-simd',
    '--enable-bulk-memory',
    '--enable-nontrapping-float-to-int',
    '--enable-sign-ext',
    '--enable-mutable-globals',
    '--enable-multivalue',
    '--enable-reference-types',
  ];
  const result = run(wasmOpt, ['-O3', ...features, file, '-o', file]);
  if (result.status !== 0) fail(`wasm-opt failed on ${file}`);
  log(`wasm-opt -O3 ${file}: ${before} -> ${statSync(file).size} bytes`);
}

ensureTarget();
const cli = ensureBindgen(lockedVersion());
const wasm = buildWasm();
for (const target of ['nodejs', 'web']) optimize(bindgen(cli, wasm, target));
log('done: pkg/node and pkg/web');
