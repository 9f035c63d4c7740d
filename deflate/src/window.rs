//! The inflater's history: the last bytes a stream inflated to, as far back as the peer's
//! window reaches (RFC 1951 §3.2: distances reach back into earlier blocks and, with
//! context takeover, earlier messages; RFC 7692 §7.1.2: at most 2^window_bits bytes).

/// A ring of the last `size` (at most) output bytes, oldest first from `head`.
#[derive(Debug, Default)]
pub(super) struct Window {
    /// Allocated at the first byte kept and grown (doubling, at least 1 KiB) up to exactly
    /// `size` bytes; then it wraps.
    buf: Vec<u8>,
    /// Where the oldest byte is once `buf` is full (0 until then).
    head: usize,
    size: usize,
}

impl Window {
    /// An empty history of at most `size` bytes (nothing allocated yet).
    pub(super) fn new(size: usize) -> Self {
        Self {
            buf: Vec::new(),
            head: 0,
            size,
        }
    }

    /// Bytes a distance may reach back into.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.buf.len()
    }

    /// The window's size (the longest distance allowed).
    #[inline]
    pub(super) fn size(&self) -> usize {
        self.size
    }

    /// Appends what was just inflated, keeping only the last `size` bytes.
    pub(super) fn push(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let needed = (self.buf.len() + data.len()).min(self.size);
        if self.buf.capacity() < needed {
            // Grown as the history grows (a short message without context takeover keeps
            // a small allocation), never past `size`.
            let grown = needed.max(2 * self.buf.capacity()).max(1024).min(self.size);
            self.buf.reserve_exact(grown - self.buf.len());
        }
        if data.len() >= self.size {
            self.buf.clear();
            self.buf.extend_from_slice(&data[data.len() - self.size..]);
            self.head = 0;
            return;
        }
        let fill = (self.size - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(&data[..fill]);
        let data = &data[fill..];
        if data.is_empty() {
            return;
        }
        // Full: overwrite the oldest bytes.
        let first = data.len().min(self.size - self.head);
        self.buf[self.head..self.head + first].copy_from_slice(&data[..first]);
        self.buf[..data.len() - first].copy_from_slice(&data[first..]);
        self.head = (self.head + data.len()) % self.size;
    }

    /// Copies `n` bytes starting `back` bytes before the end (`n` ≤ `back` ≤
    /// [`len`](Self::len)) into `out[pos..pos + n]`. With room in both buffers, short
    /// copies go 16 bytes at a time and may write up to 15 bytes past `pos + n`.
    #[inline]
    pub(super) fn copy_out(&self, back: usize, out: &mut [u8], pos: usize, n: usize) {
        let len = self.buf.len();
        let mut at = self.head + len - back;
        if at >= len {
            at -= len;
        }
        if at + n + 16 <= len && pos + n + 16 <= out.len() {
            let (mut s, mut d) = (at, pos);
            loop {
                let chunk: [u8; 16] = self.buf[s..s + 16].try_into().unwrap_or([0; 16]);
                out[d..d + 16].copy_from_slice(&chunk);
                s += 16;
                d += 16;
                if d >= pos + n {
                    return;
                }
            }
        }
        let first = n.min(len - at);
        out[pos..pos + first].copy_from_slice(&self.buf[at..at + first]);
        out[pos + first..pos + n].copy_from_slice(&self.buf[..n - first]);
    }

    /// Forgets the history, keeping the buffer.
    pub(super) fn clear(&mut self) {
        self.buf.clear();
        self.head = 0;
    }

    /// Forgets the history and frees it.
    pub(super) fn release(&mut self) {
        self.buf = Vec::new();
        self.head = 0;
    }

    /// Heap bytes held.
    pub(super) fn heap(&self) -> usize {
        self.buf.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_bytes_in_order() {
        let mut w = Window::new(8);
        let mut all = Vec::new();
        for (i, n) in [3usize, 4, 2, 5, 8, 1, 13, 7].into_iter().enumerate() {
            let data: Vec<u8> = (0..n).map(|k| (i * 16 + k) as u8).collect();
            w.push(&data);
            all.extend_from_slice(&data);
            let kept = all.len().min(8);
            assert_eq!(w.len(), kept);
            for back in 1..=kept {
                for n in 1..=back {
                    for room in [0, 16] {
                        let mut dst = vec![0; n + room];
                        w.copy_out(back, &mut dst, 0, n);
                        let from = all.len() - back;
                        assert_eq!(dst[..n], all[from..from + n], "back {back} n {n}");
                    }
                }
            }
            assert_eq!(w.heap(), 8);
        }
    }
}
