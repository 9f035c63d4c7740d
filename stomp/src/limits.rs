//! Limits the decoder enforces, on by default.

/// What a [`Decoder`](crate::Decoder) accepts before it fails with a
/// [`DecodeError`](crate::DecodeError). Every check happens before the bytes it guards are
/// buffered further, so an oversized frame never makes a large allocation; a
/// `content-length` above `max_body` is refused as soon as that header line is read.
///
/// Build with [`Limits::default`] and the by-value setters:
///
/// ```
/// let limits = sansocket_stomp::Limits::default().max_body(1 << 20).max_headers(32);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most header lines in one frame (default 64).
    pub max_headers: usize,
    /// Longest command or header line in bytes, EOL excluded (default 8 KiB).
    pub max_line: usize,
    /// Longest header block: the command line and every header line with their EOLs
    /// (default 32 KiB).
    pub max_header_block: usize,
    /// Longest body in bytes, with or without `content-length` (default 1 MiB).
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_headers: 64,
            max_line: 8 * 1024,
            max_header_block: 32 * 1024,
            max_body: 1024 * 1024,
        }
    }
}

impl Limits {
    crate::setters::setters! {
        /// Sets [`Limits::max_headers`].
        const max_headers: usize;
        /// Sets [`Limits::max_line`].
        const max_line: usize;
        /// Sets [`Limits::max_header_block`].
        const max_header_block: usize;
        /// Sets [`Limits::max_body`].
        const max_body: usize;
    }
}
