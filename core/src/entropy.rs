//! Injected randomness. The engine never makes its own: client mask keys (RFC 6455 §5.3)
//! and `Sec-WebSocket-Key` (§4.1) come from an [`Entropy`] the host provides.

/// A source of unpredictable bytes.
///
/// RFC 6455 §10.3: mask keys must be unpredictable, so a client must be given a
/// cryptographically strong source (the OS: `getrandom`, `os.urandom`,
/// `crypto.getRandomValues`). Closures `FnMut(&mut [u8])` implement this trait.
pub trait Entropy: Send {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

impl<F: FnMut(&mut [u8]) + Send> Entropy for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf)
    }
}

/// Randomness from the operating system (the `getrandom` feature).
#[cfg(feature = "getrandom")]
#[derive(Clone, Copy, Debug, Default)]
pub struct OsEntropy;

#[cfg(feature = "getrandom")]
impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        // ok: an OS without a random source cannot run a WebSocket client safely.
        getrandom::fill(buf).expect("the operating system's random source failed");
    }
}

/// A deterministic source (SplitMix64) for tests and reproducible vectors.
///
/// Never use it for a real client: predictable mask keys defeat the purpose of masking.
#[derive(Clone, Copy, Debug)]
pub struct SeededEntropy(u64);

impl SeededEntropy {
    /// A source that yields the same bytes for the same seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// Mask keys drawn from the host's source in blocks, so a client pays one call per 64
/// frames instead of one per frame.
pub(crate) struct MaskKeys {
    source: Box<dyn Entropy>,
    pool: [u8; 256],
    next: usize,
}

impl MaskKeys {
    pub(crate) fn new(source: Box<dyn Entropy>) -> Self {
        Self {
            source,
            pool: [0; 256],
            next: 256,
        }
    }

    /// The next mask key.
    pub(crate) fn key(&mut self) -> [u8; 4] {
        if self.next == self.pool.len() {
            self.source.fill(&mut self.pool);
            self.next = 0;
        }
        let mut key = [0; 4];
        key.copy_from_slice(&self.pool[self.next..self.next + 4]);
        self.next += 4;
        key
    }

    /// Random bytes straight from the source (the handshake key).
    pub(crate) fn fill(&mut self, buf: &mut [u8]) {
        self.source.fill(buf);
    }
}

impl std::fmt::Debug for MaskKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MaskKeys")
    }
}
