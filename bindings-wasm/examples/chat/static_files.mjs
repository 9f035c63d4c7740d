// The chat page and its scripts, answered on the WebSocket's port: the JavaScript twin of
// the Python package's sansocket/chat/static_files.py, serving the same files. Three roots:
//
// - / and /<file>: the page (the Python package's sansocket/chat/static/, served as is);
// - /vendor/stompjs/<file>: the UMD bundle of @stomp/stompjs from the npm package's
//   node_modules (installed by `npm ci`), for ?client=stompjs;
// - /vendor/sansocket/lib/<file> and /vendor/sansocket/pkg/web/<file>: the npm package's
//   web build (`npm run build`), for the page's default client.
//
// Only regular files under those roots are served (no `..`, no listing); anything else is
// 404. Files are read once and kept (at most 256 answers).
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's folder in this repository (the Python package ships the same files). */
export const PAGE_DIR = fileURLToPath(new URL('../../../bindings-python/python/sansocket/chat/static', import.meta.url));

/** The npm package's folder: $SANSOCKET_NPM_DIR, else this package (bindings-wasm). */
export function defaultNpmDir() {
  return process.env.SANSOCKET_NPM_DIR || fileURLToPath(new URL('../..', import.meta.url));
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

const NOT_FOUND = { status: 404, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: Buffer.from('not found\n') };

export class StaticFiles {
  #roots;
  #cache = new Map();

  constructor(pageDir = PAGE_DIR, npmDir = null) {
    this.#roots = [['/', pageDir]];
    if (npmDir) {
      this.#roots.unshift(
        ['/vendor/stompjs/', join(npmDir, 'node_modules/@stomp/stompjs/bundles')],
        ['/vendor/sansocket/lib/', join(npmDir, 'lib')],
        ['/vendor/sansocket/pkg/web/', join(npmDir, 'pkg/web')],
      );
    }
  }

  /** {status, headers: [[name, value]], body: Buffer} for GET `path` (without the query). */
  answer(path) {
    const cached = this.#cache.get(path);
    if (cached !== undefined) return cached;
    const file = this.#resolve(path);
    if (file === null) return NOT_FOUND;
    let body;
    try {
      body = readFileSync(file);
    } catch {
      return NOT_FOUND;
    }
    const response = {
      status: 200,
      headers: [
        ['Content-Type', TYPES[extname(file)] ?? 'application/octet-stream'],
        ['Cache-Control', 'no-cache'],
        ['X-Content-Type-Options', 'nosniff'],
      ],
      body,
    };
    if (this.#cache.size < 256) this.#cache.set(path, response);
    return response;
  }

  #resolve(target) {
    let path;
    try {
      path = decodeURIComponent(target);
    } catch {
      return null;
    }
    if (path === '/') path = '/index.html';
    for (const [prefix, root] of this.#roots) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const parts = rest.split('/');
      if (!rest || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
        return null;
      }
      const file = join(root, ...parts);
      try {
        const real = realpathSync(file);
        const top = realpathSync(root);
        return statSync(real).isFile() && real.startsWith(top + sep) ? file : null;
      } catch {
        return null;
      }
    }
    return null;
  }
}
