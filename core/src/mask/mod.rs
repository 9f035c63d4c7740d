//! Payload masking (RFC 6455 §5.3): XOR with a 4-byte key.
//!
//! The key is widened to a 64-bit word and the payload is processed in fixed-size blocks,
//! so that the compiler turns the loop into SIMD instructions (SSE2 on x86-64, NEON on
//! aarch64, simd128 on wasm32) without `unsafe`; short payloads take a few word operations.
//! On x86-64 CPUs with AVX2, payloads of 64 bytes and more are masked
//! by `simd` (chosen at run time), and copied and unmasked in one pass.

use std::mem::MaybeUninit;

use bytes::BytesMut;

#[cfg(target_arch = "x86_64")]
mod simd;

/// From this size on, the AVX2 code is used where the CPU has it.
#[cfg(target_arch = "x86_64")]
const SIMD_MIN: usize = 64;

/// `buf ^= pattern` with AVX2 if the CPU has it; `false` if not done.
#[inline]
fn xor_wide(buf: &mut [u8], wide: u64) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        buf.len() >= SIMD_MIN && simd::xor_in_place(buf, wide)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (buf, wide);
        false
    }
}

/// Appends `src ^ pattern` to `dst` in one pass with AVX2; `false` if not done.
#[inline]
fn extend_wide(dst: &mut BytesMut, src: &[u8], wide: u64) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        src.len() >= SIMD_MIN && simd::extend_xor(dst, src, wide)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (dst, src, wide);
        false
    }
}

/// Block size of the vectorised loop: 4 × 16-byte vectors.
const BLOCK: usize = 64;

/// Payloads up to this size are appended, then masked in place (still in L1 cache).
const IN_PLACE: usize = 16 << 10;

/// Longer payloads are masked through a small stack buffer while being appended: one pass
/// over memory, and copies small enough to avoid `rep movsb`, which is slow on some CPUs
/// when source and destination alias (measured: 1 MiB client frames 3 GB/s -> 30 GB/s).
const STAGE: usize = 4096;

/// Copies from this size on may go through the AVX2 loop (see [`extend_copy`]).
#[cfg(target_arch = "x86_64")]
const COPY_MIN: usize = 4096;

/// A copy whose destination is less than this many bytes ahead of its source modulo 4 KiB
/// goes through the AVX2 loop (see [`extend_copy`]).
pub(crate) const ALIAS_WINDOW: usize = 256;

/// Appends `src` to `dst`, as `extend_from_slice` does, except for the one case where
/// glibc's `memcpy` is slow. From 4 KiB on it uses `rep movsb`, which on some CPUs runs at
/// about 1 GB/s instead of 20–40 when the destination is less than a cache line or two
/// ahead of the source modulo 4 KiB, a matter of where the allocator put the two buffers
/// (measured on an AMD EPYC: 16 KiB server frames at 2 GB/s in one heap layout and 50 GB/s
/// in another): such a copy goes through the AVX2 loop (XOR with 0), which has no such
/// case, where the CPU has it. Every other copy is `memcpy`'s, which measured faster than
/// AVX2 loop (a client decoding 16 KiB, 64 KiB and 1 MiB messages 7, 10 and 24 % faster).
#[inline]
pub(crate) fn extend_copy(dst: &mut BytesMut, src: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if src.len() >= COPY_MIN {
        dst.reserve(src.len());
        let to = dst.spare_capacity_mut().as_ptr() as usize;
        if alias_ahead(to, src.as_ptr() as usize, src.len()).is_some()
            && simd::extend_xor(dst, src, 0)
        {
            return;
        }
    }
    dst.extend_from_slice(src);
}

/// How far `dst` is ahead of `src` modulo 4 KiB, where a copy of `len` bytes from `src` to
/// `dst` (addresses) is one `memcpy` is slow at and [`extend_copy`] takes the AVX2 loop for:
/// from [`COPY_MIN`] bytes on, less than [`ALIAS_WINDOW`] bytes ahead. `None` otherwise.
#[inline]
fn alias_ahead(dst: usize, src: usize, len: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if len >= COPY_MIN {
        let ahead = dst.wrapping_sub(src) % 4096;
        if ahead < ALIAS_WINDOW {
            return Some(ahead);
        }
    }
    let _ = (dst, src, len);
    None
}

/// How many bytes to leave out before writing a copy of `len` bytes from `src` at `dst`
/// (addresses), so that [`extend_copy`] copies with `memcpy` rather than through the AVX2
/// loop it takes when the destination is just ahead of the source modulo 4 KiB (both run
/// slower then than `memcpy` elsewhere): for a buffer that can start where it likes.
#[inline]
pub(crate) fn alias_skip(dst: usize, src: usize, len: usize) -> usize {
    alias_ahead(dst, src, len).map_or(0, |ahead| ALIAS_WINDOW - ahead)
}

/// `dst = src` masked with `key` from key position `phase` (slices of the same length), with
/// AVX2 where the CPU has it; `key` all zero copies (through the same loop, from 4 KiB on:
/// see [`extend_copy`]). Returns `false`, having done nothing, where the safe code must do
/// it.
#[inline]
pub(crate) fn xor_to(dst: &mut [u8], src: &[u8], key: [u8; 4], phase: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let min = if key == [0; 4] { COPY_MIN } else { SIMD_MIN };
        src.len() >= min && simd::xor_to(dst, src, widen(word(key, phase)))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (dst, src, key, phase);
        false
    }
}

/// XORs `buf` in place with `key`, where `phase` (0–3) is the position in the key of
/// `buf[0]`. Returns the phase of the byte after `buf`, so a payload can be masked in
/// pieces as it arrives.
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], phase: usize) -> usize {
    xor_word(buf, word(key, phase));
    (phase + buf.len()) % 4
}

/// Appends `src` masked with `key` to `dst`, `phase` being the key position of `src[0]`;
/// returns the phase of the byte after `src` (as [`apply_mask`]). With AVX2,
/// `src` is unmasked while it is copied (one pass).
pub fn extend_masked(dst: &mut BytesMut, src: &[u8], key: [u8; 4], phase: usize) -> usize {
    let next = (phase + src.len()) % 4;
    let word = word(key, phase);
    if extend_wide(dst, src, widen(word)) {
        return next;
    }
    if src.len() <= IN_PLACE {
        let start = dst.len();
        dst.extend_from_slice(src);
        xor_word(&mut dst[start..], word);
        return next;
    }
    dst.reserve(src.len());
    let wide = widen(word);
    let mut stage = [0u8; STAGE];
    // STAGE is a multiple of 4, so every piece starts at the same phase.
    for piece in src.chunks(STAGE) {
        let staged = &mut stage[..piece.len()];
        xor_copy(staged, piece, wide);
        dst.extend_from_slice(staged);
    }
    next
}

/// Writes `src` masked with `key` into `dst`, `phase` being the key position of `src[0]`
/// (one pass: copied and unmasked together, with AVX2 where the CPU has it); returns the
/// phase of the byte after it (as [`apply_mask`]). For a host that puts a payload straight
/// into its own object. The slices should have the same length: only the shorter length
/// is written.
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4], phase: usize) -> usize {
    let n = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    if !xor_to(dst, src, key, phase) {
        xor_copy(dst, src, widen(word(key, phase)));
    }
    (phase + n) % 4
}

/// [`copy_masked`] into memory not initialized yet (a host's new object, not zeroed first):
/// writes `src` masked with `key` over all of `dst` (the slices should have the same
/// length: only the shorter length is written), `phase` being the key position of
/// `src[0]`; returns the phase of the byte after it. One pass, with AVX2 where the CPU has
/// it, the destination's vector stores aligned from 256 bytes on. `key` all zero copies
/// (through the same loop from 4 KiB on, not `memcpy`: see `extend_copy`).
pub fn copy_masked_uninit(
    dst: &mut [MaybeUninit<u8>],
    src: &[u8],
    key: [u8; 4],
    phase: usize,
) -> usize {
    let n = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    let head = if n >= ALIGN_MIN {
        dst.as_ptr().align_offset(32).min(n)
    } else {
        0
    };
    let (dst_head, dst) = dst.split_at_mut(head);
    let (src_head, src) = src.split_at(head);
    xor_copy_uninit(dst_head, src_head, widen(word(key, phase)));
    let wide = widen(word(key, phase + head));
    if !xor_to_uninit(dst, src, key == [0; 4], wide) {
        xor_copy_uninit(dst, src, wide);
    }
    (phase + n) % 4
}

/// `dst = src ^ pattern` with AVX2 where the CPU has it (see [`xor_to`] for the sizes);
/// `false` if not done.
#[inline]
fn xor_to_uninit(dst: &mut [MaybeUninit<u8>], src: &[u8], zero: bool, wide: u64) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let min = if zero { COPY_MIN } else { SIMD_MIN };
        src.len() >= min && simd::xor_to_uninit(dst, src, wide)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (dst, src, zero, wide);
        false
    }
}

/// `dst = src ^ pattern` for slices of the same length, `dst` not initialized yet.
fn xor_copy_uninit(dst: &mut [MaybeUninit<u8>], src: &[u8], wide: u64) {
    let pattern = pattern(wide);
    let (dst_blocks, dst_rest) = dst.as_chunks_mut::<BLOCK>();
    let (src_blocks, src_rest) = src.as_chunks::<BLOCK>();
    for (d, s) in dst_blocks.iter_mut().zip(src_blocks) {
        for ((d, s), m) in d.iter_mut().zip(s).zip(&pattern) {
            d.write(s ^ m);
        }
    }
    let (dst_words, dst_tail) = dst_rest.as_chunks_mut::<8>();
    let (src_words, src_tail) = src_rest.as_chunks::<8>();
    for (d, s) in dst_words.iter_mut().zip(src_words) {
        let w = (u64::from_le_bytes(*s) ^ wide).to_le_bytes();
        for (d, w) in d.iter_mut().zip(w) {
            d.write(w);
        }
    }
    for ((d, s), m) in dst_tail.iter_mut().zip(src_tail).zip(&wide.to_le_bytes()) {
        d.write(s ^ m);
    }
}

/// The key as a little-endian word whose lowest byte masks the byte at `phase`.
fn word(key: [u8; 4], phase: usize) -> u32 {
    u32::from_le_bytes(key).rotate_right(8 * (phase % 4) as u32)
}

/// The key word repeated twice.
fn widen(word: u32) -> u64 {
    u64::from(word) | (u64::from(word) << 32)
}

/// The 8-byte key pattern repeated over a block.
fn pattern(wide: u64) -> [u8; BLOCK] {
    let mut pattern = [0u8; BLOCK];
    for lane in pattern.as_chunks_mut::<8>().0 {
        *lane = wide.to_le_bytes();
    }
    pattern
}

/// From this size on, the bytes before the first 32-byte boundary are masked on their own
/// and the rest with aligned vectors: unaligned 32-byte stores that straddle cache lines
/// halve the rate of masking in L1 cache (measured: 16 KiB in L1 at 67 GB/s unaligned,
/// 125 GB/s aligned).
pub(crate) const ALIGN_MIN: usize = 256;

#[inline]
fn xor_word(buf: &mut [u8], word: u32) {
    if buf.len() >= ALIGN_MIN {
        let head = buf.as_ptr().align_offset(32).min(buf.len());
        if head > 0 {
            let (first, rest) = buf.split_at_mut(head);
            xor_short(first, widen(word));
            xor_aligned(rest, word.rotate_right(8 * (head % 4) as u32));
            return;
        }
    }
    xor_aligned(buf, word);
}

/// [`xor_word`] past the alignment step.
#[inline]
fn xor_aligned(buf: &mut [u8], word: u32) {
    let wide = widen(word);
    if xor_wide(buf, wide) {
        return;
    }
    let (blocks, rest) = buf.as_chunks_mut::<BLOCK>();
    if !blocks.is_empty() {
        let pattern = pattern(wide);
        for block in blocks {
            for (b, m) in block.iter_mut().zip(&pattern) {
                *b ^= m;
            }
        }
    }
    xor_short(rest, wide);
}

/// XORs fewer than [`BLOCK`] bytes: whole words, then the last bytes.
#[inline]
fn xor_short(buf: &mut [u8], wide: u64) {
    let (words, tail) = buf.as_chunks_mut::<8>();
    for w in words {
        *w = (u64::from_le_bytes(*w) ^ wide).to_le_bytes();
    }
    for (b, m) in tail.iter_mut().zip(&wide.to_le_bytes()) {
        *b ^= m;
    }
}

/// `dst = src ^ key` for slices of the same length.
fn xor_copy(dst: &mut [u8], src: &[u8], wide: u64) {
    let pattern = pattern(wide);
    let (dst_blocks, dst_rest) = dst.as_chunks_mut::<BLOCK>();
    let (src_blocks, src_rest) = src.as_chunks::<BLOCK>();
    for (d, s) in dst_blocks.iter_mut().zip(src_blocks) {
        for ((d, s), m) in d.iter_mut().zip(s).zip(&pattern) {
            *d = s ^ m;
        }
    }
    dst_rest.copy_from_slice(src_rest);
    xor_short(dst_rest, wide);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(buf: &mut [u8], key: [u8; 4], phase: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(i + phase) % 4];
        }
    }

    #[test]
    fn copy_masked_matches_naive_at_every_length_and_phase() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in (0..200).chain([4095, 4096, 4097, 16 << 10, (16 << 10) + 3]) {
            for phase in 0..4 {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
                let mut fast = vec![0u8; len];
                let mut slow = data.clone();
                let next = copy_masked(&mut fast, &data, key, phase);
                naive(&mut slow, key, phase);
                assert_eq!(fast, slow, "len {len} phase {phase}");
                assert_eq!(next, (phase + len) % 4);
                // A zero key copies; a shorter destination takes only what fits.
                let mut copy = vec![0u8; len];
                copy_masked(&mut copy, &data, [0; 4], phase);
                assert_eq!(copy, data);
                let mut short = vec![0u8; len / 2];
                copy_masked(&mut short, &data, key, phase);
                assert_eq!(short, slow[..len / 2]);
            }
        }
    }

    #[test]
    fn matches_naive_at_every_length_and_phase() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in 0..200 {
            for phase in 0..4 {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
                let mut fast = data.clone();
                let mut slow = data.clone();
                let next = apply_mask(&mut fast, key, phase);
                naive(&mut slow, key, phase);
                assert_eq!(fast, slow, "len {len} phase {phase}");
                assert_eq!(next, (phase + len) % 4);
            }
        }
    }

    #[test]
    fn masking_in_pieces_equals_masking_at_once() {
        let key = [1, 2, 3, 4];
        let data: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let mut whole = data.clone();
        apply_mask(&mut whole, key, 0);
        for split in 0..data.len() {
            let mut pieces = data.clone();
            let (a, b) = pieces.split_at_mut(split);
            let phase = apply_mask(a, key, 0);
            apply_mask(b, key, phase);
            assert_eq!(pieces, whole);
        }
    }

    #[test]
    fn xor_to_matches_naive_or_declines() {
        for key in [[0x9a, 0x01, 0xfe, 0x42], [0; 4]] {
            for len in [0, 1, 63, 64, 65, 4095, 4096, 4097, 100_003] {
                let data: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
                for phase in 0..4 {
                    let mut slow = data.clone();
                    naive(&mut slow, key, phase);
                    let mut dst = vec![0xee; len];
                    if xor_to(&mut dst, &data, key, phase) {
                        assert_eq!(dst, slow, "len {len} phase {phase}");
                    } else {
                        assert_eq!(dst, vec![0xee; len], "declined, untouched");
                    }
                }
            }
        }
    }

    #[test]
    fn copies_from_4_kib_take_the_avx2_loop_and_are_exact() {
        // The destination a little ahead of the source modulo 4 KiB: memcpy's slow case.
        let mut big: Vec<u8> = (0..3 * 8192).map(|i| (i * 7 + 1) as u8).collect();
        let (a, b) = big.split_at_mut(8192);
        let src = &b[..5000];
        let want = src.to_vec();
        for ahead in [0, 16, 100] {
            let dst = &mut a[ahead..ahead + 5000];
            let done = xor_to(dst, src, [0; 4], 0);
            #[cfg(target_arch = "x86_64")]
            assert_eq!(done, std::arch::is_x86_feature_detected!("avx2"));
            if done {
                assert_eq!(dst, &want[..], "{ahead} bytes ahead");
            }
        }
    }

    #[test]
    fn extend_copy_appends_at_every_length_around_the_threshold() {
        for len in [0, 1, 63, 4095, 4096, 4097, 16 << 10, 100_003] {
            let data: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
            for head in 0..4 {
                let mut dst = BytesMut::from(&b"head"[..head]);
                extend_copy(&mut dst, &data);
                assert_eq!(&dst[..head], &b"head"[..head]);
                assert_eq!(&dst[head..], &data[..], "len {len} head {head}");
            }
        }
    }

    #[test]
    fn extend_copy_is_exact_at_every_distance_from_its_source_modulo_4_kib() {
        // Both ways of copying: the AVX2 loop when the destination is just ahead of the
        // source modulo 4 KiB (`ALIAS_WINDOW`), `memcpy` otherwise.
        let len = 5000;
        let big: Vec<u8> = (0..len + 8192).map(|i| (i * 7 + 1) as u8).collect();
        for ahead in [0, 1, 31, 100, 255, 256, 257, 2048, 4095] {
            for head in [0, 3] {
                let mut dst = BytesMut::with_capacity(head + len);
                dst.extend_from_slice(&b"head"[..head]);
                let to = dst.spare_capacity_mut().as_ptr() as usize;
                let base = big.as_ptr() as usize;
                let at = to.wrapping_sub(base).wrapping_sub(ahead) % 4096;
                let src = &big[at..at + len];
                assert_eq!(to.wrapping_sub(src.as_ptr() as usize) % 4096, ahead);
                extend_copy(&mut dst, src);
                assert_eq!(&dst[..head], &b"head"[..head]);
                assert_eq!(&dst[head..], src, "{ahead} bytes ahead, head {head}");
            }
        }
    }

    #[test]
    fn extend_masked_matches_naive_around_the_stage_size() {
        let key = [0x9a, 0x01, 0xfe, 0x42];
        for len in [0, 1, 7, 63, 64, 65, 4095, 4096, 4097, 8192 + 61, 100_003] {
            let data: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
            for phase in 0..4 {
                let mut slow = data.clone();
                naive(&mut slow, key, phase);
                let mut dst = BytesMut::from(&b"head"[..]);
                assert_eq!(
                    extend_masked(&mut dst, &data, key, phase),
                    (phase + len) % 4
                );
                assert_eq!(&dst[..4], b"head");
                assert_eq!(&dst[4..], &slow[..], "len {len} phase {phase}");
            }
        }
    }

    #[test]
    fn rfc6455_section_5_7_masked_hello() {
        // "Hello" masked with 37 fa 21 3d.
        let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&payload, b"Hello");
    }
}
