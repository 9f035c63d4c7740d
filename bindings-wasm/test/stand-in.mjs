// A stand-in for a net.Socket under the Node glue: it writes nothing, counts the bytes and
// the writes that would reach the kernel (a corked run of writes counts once), and with
// `keep` keeps a copy of every chunk. Used by the tests and by bench/echo.mjs.
import { EventEmitter } from 'node:events';

export class StandIn extends EventEmitter {
  bytes = 0;
  writes = 0;
  corked = 0;
  /** @type {Buffer[]} */
  written = [];
  destroyed = false;
  writableLength = 0;
  writableNeedDrain = false;

  /** @param {{ keep?: boolean }} [options] keep: keep a copy of every chunk in `written` */
  constructor({ keep = false } = {}) {
    super();
    this.keep = keep;
  }
  setTimeout() {}
  setNoDelay() {}
  pause() {}
  resume() {}
  cork() {
    this.corked++;
  }
  uncork() {
    if (this.corked > 0 && --this.corked === 0) this.writes++;
  }
  write(chunk) {
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (this.keep) this.written.push(Buffer.from(chunk));
    if (this.corked === 0) this.writes++;
    return true;
  }
  end() {}
  destroy() {
    this.destroyed = true;
  }
}
