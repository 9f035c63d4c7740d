//! AVX2 masking on x86-64, chosen at run time: the only `unsafe` code of the crate (see
//! `BENCHMARKS.md` for the figures that justify it).
//!
//! Safe code compiles to SSE2 for baseline x86-64. With AVX2, the payload is XORed 32 bytes
//! per instruction, and a payload being copied into a buffer is unmasked *while* it is
//! copied, straight into the buffer's spare capacity: the source is read once and the
//! destination written once, instead of a `memcpy` and a second pass (or a staging buffer;
//! writing the spare capacity and then `set_len` is what needs `unsafe`). Callers fall back
//! to the safe code without AVX2. AVX-512 (64 bytes per instruction) measured no faster
//! here (within 4 %, the destination's cache bandwidth is the limit), and its intrinsics
//! need Rust 1.89 (the MSRV is 1.88).
//!
//! Checked against a byte-by-byte reference for every length, phase and alignment by the
//! unit tests below, `tests/mask.rs` (proptest) and `fuzz/fuzz_targets/mask.rs`.

#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256i, _mm256_loadu_si256, _mm256_set1_epi64x, _mm256_storeu_si256, _mm256_xor_si256,
};

use std::mem::MaybeUninit;

use bytes::BytesMut;

use super::ALIGN_MIN;

/// Whether the CPU has AVX2 (`std` caches the answer: one load and a test).
#[inline]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// `buf ^= pattern`, `wide` being the key word repeated twice (its lowest byte masks
/// `buf[0]`). Returns `false`, having done nothing, if the CPU has no AVX2.
#[inline]
pub(super) fn xor_in_place(buf: &mut [u8], wide: u64) -> bool {
    if !has_avx2() {
        return false;
    }
    let len = buf.len();
    let p = buf.as_mut_ptr();
    // SAFETY: the CPU supports AVX2 (checked just above); `p` is valid for reads and writes
    // of `len` bytes (it is `buf`), and `xor_avx2` allows `dst == src`.
    unsafe { xor_avx2(p, p, len, wide) };
    true
}

/// `dst = src ^ pattern` for slices of the same length (see [`xor_in_place`] for `wide`).
/// Returns `false`, having done nothing, if the CPU has no AVX2 or the lengths differ.
#[inline]
pub(super) fn xor_to(dst: &mut [u8], src: &[u8], wide: u64) -> bool {
    if !has_avx2() || dst.len() != src.len() {
        return false;
    }
    // SAFETY: the CPU supports AVX2 (checked just above); `dst` is valid for writes and
    // `src` for reads of `src.len()` bytes (the lengths are equal), and they do not overlap
    // (`dst` is borrowed mutably).
    unsafe { xor_avx2(dst.as_mut_ptr(), src.as_ptr(), src.len(), wide) };
    true
}

/// [`xor_to`] into memory not initialized yet: `xor_avx2` only writes the destination
/// (with a distinct source it never reads it), so `dst` need not be initialized; all of it
/// is written. Returns `false`, having done nothing, if the CPU has no AVX2 or the lengths
/// differ.
#[inline]
pub(super) fn xor_to_uninit(dst: &mut [MaybeUninit<u8>], src: &[u8], wide: u64) -> bool {
    if !has_avx2() || dst.len() != src.len() {
        return false;
    }
    // SAFETY: the CPU supports AVX2 (checked just above); `dst` is valid for writes and
    // `src` for reads of `src.len()` bytes (the lengths are equal), and they do not overlap
    // (`dst` is borrowed mutably); a `MaybeUninit<u8>` has the layout of a `u8`, and
    // `xor_avx2` writes each destination byte without reading it (`dst != src`).
    unsafe { xor_avx2(dst.as_mut_ptr().cast::<u8>(), src.as_ptr(), src.len(), wide) };
    true
}

/// Appends `src ^ pattern` to `dst` in one pass (see [`xor_in_place`] for `wide`). Returns
/// `false`, having done nothing, if the CPU has no AVX2.
#[inline]
pub(super) fn extend_xor(dst: &mut BytesMut, src: &[u8], wide: u64) -> bool {
    if !has_avx2() {
        return false;
    }
    dst.reserve(src.len());
    let spare = dst.spare_capacity_mut();
    // `reserve` guarantees the room; the slice bounds check makes it explicit.
    let out = spare[..src.len()].as_mut_ptr().cast::<u8>();
    // SAFETY: the CPU supports AVX2 (checked above); `out` is valid for writes of
    // `src.len()` bytes (the spare capacity sliced to that length just above, which does not
    // overlap `src`, a shared borrow), `src` for reads of as many.
    unsafe { xor_avx2(out, src.as_ptr(), src.len(), wide) };
    let len = dst.len() + src.len();
    // SAFETY: the `src.len()` bytes after `dst.len()` were all written just above (`xor_avx2`
    // writes each of its `len` destination bytes), and `len` is within the capacity.
    unsafe { dst.set_len(len) };
    true
}

/// `dst[i] = src[i] ^ pattern[i % 8]` for `i < len`, 128 then 32 bytes at a time. From
/// [`ALIGN_MIN`] bytes on, the bytes before the destination's first 32-byte boundary are
/// done on their own, so that no vector store straddles two cache lines (measured: a copy
/// of 16 KiB in L1 cache ~25 % faster, 64 KiB the same).
///
/// # Safety
/// The CPU supports AVX2; `src` is valid for reads and `dst` for writes of `len` bytes; the
/// two ranges are the same (masking in place) or do not overlap. Each 32-byte block is
/// loaded before it is stored, so `dst == src` is sound.
#[target_feature(enable = "avx2")]
unsafe fn xor_avx2(dst: *mut u8, src: *const u8, len: usize, wide: u64) {
    let mut i = 0;
    let mut wide = wide;
    if len >= ALIGN_MIN {
        i = dst.align_offset(32).min(len);
        // SAFETY: `i <= len`: the first `i` bytes are within both ranges.
        unsafe { xor_tail(dst, src, i, wide) };
        // The pattern from byte `i` on.
        wide = wide.rotate_right(8 * (i % 8) as u32);
    }
    let key = _mm256_set1_epi64x(wide as i64);
    while i + 128 <= len {
        // SAFETY: `i + 128 <= len`, so the four 32-byte blocks at `i` are within both ranges.
        unsafe {
            let s = src.add(i).cast::<__m256i>();
            let d = dst.add(i).cast::<__m256i>();
            let a = _mm256_loadu_si256(s);
            let b = _mm256_loadu_si256(s.add(1));
            let c = _mm256_loadu_si256(s.add(2));
            let e = _mm256_loadu_si256(s.add(3));
            _mm256_storeu_si256(d, _mm256_xor_si256(a, key));
            _mm256_storeu_si256(d.add(1), _mm256_xor_si256(b, key));
            _mm256_storeu_si256(d.add(2), _mm256_xor_si256(c, key));
            _mm256_storeu_si256(d.add(3), _mm256_xor_si256(e, key));
        }
        i += 128;
    }
    while i + 32 <= len {
        // SAFETY: `i + 32 <= len`: one block within both ranges.
        unsafe {
            let v = _mm256_loadu_si256(src.add(i).cast::<__m256i>());
            _mm256_storeu_si256(dst.add(i).cast::<__m256i>(), _mm256_xor_si256(v, key));
        }
        i += 32;
    }
    // SAFETY: the `len - i` bytes at `i` are within both ranges; `wide` is the pattern from
    // the byte after the aligned head, and `i` is that many bytes plus a multiple of 8 past
    // it, so the pattern starts over at the same byte.
    unsafe { xor_tail(dst.add(i), src.add(i), len - i, wide) }
}

/// The last bytes (fewer than a block): words, then bytes.
///
/// # Safety
/// `src` is valid for reads and `dst` for writes of `len` bytes; the same range or disjoint.
#[inline(always)]
unsafe fn xor_tail(dst: *mut u8, src: *const u8, len: usize, wide: u64) {
    let mut i = 0;
    while i + 8 <= len {
        // SAFETY: `i + 8 <= len`; unaligned word accesses.
        unsafe {
            let w = src.add(i).cast::<u64>().read_unaligned();
            dst.add(i).cast::<u64>().write_unaligned(w ^ wide.to_le());
        }
        i += 8;
    }
    let bytes = wide.to_le_bytes();
    while i < len {
        // SAFETY: `i < len`.
        unsafe { *dst.add(i) = *src.add(i) ^ bytes[i % 8] };
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(src: &[u8], wide: u64) -> Vec<u8> {
        let bytes = wide.to_le_bytes();
        src.iter()
            .enumerate()
            .map(|(i, b)| b ^ bytes[i % 8])
            .collect()
    }

    #[test]
    fn copy_masked_uninit_writes_exactly_its_bytes_at_every_length_phase_and_alignment() {
        use super::super::copy_masked_uninit;
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + 3) as u8).collect();
        for key in [[0x37, 0xfa, 0x21, 0x3d], [0; 4]] {
            for len in (0..300).chain([4095, 4096, 4097, 16 << 10, (16 << 10) + 3]) {
                for phase in 0..4 {
                    let want: Vec<u8> = (0..len).map(|i| data[i] ^ key[(i + phase) % 4]).collect();
                    for off in [0, 1, 16, 31] {
                        let mut out = vec![MaybeUninit::new(0xee_u8); len + off + 1];
                        let next =
                            copy_masked_uninit(&mut out[off..off + len], &data[..len], key, phase);
                        // SAFETY: every element was initialized by `MaybeUninit::new` above
                        // (and those in range overwritten by `copy_masked_uninit`).
                        let got: Vec<u8> = out.iter().map(|b| unsafe { b.assume_init() }).collect();
                        assert_eq!(&got[off..off + len], &want[..], "len {len} phase {phase}");
                        assert!(got[..off].iter().all(|&b| b == 0xee), "before untouched");
                        assert_eq!(got[off + len], 0xee, "after untouched");
                        assert_eq!(next, (phase + len) % 4);
                    }
                }
            }
        }
        let mut out = [MaybeUninit::new(0u8); 3];
        assert_eq!(copy_masked_uninit(&mut out, b"abcdef", [0; 4], 1), 0);
        // SAFETY: initialized by `MaybeUninit::new`, then written.
        assert_eq!(out.map(|b| unsafe { b.assume_init() }), *b"abc");
    }

    #[test]
    fn every_level_matches_naive_at_every_length_and_alignment() {
        let wide = 0x3d21_fa37_3d21_fa37u64.rotate_right(8);
        let data: Vec<u8> = (0..1200u32).map(|i| (i * 31 + 7) as u8).collect();
        for off in 0..8 {
            for len in (0..600).chain([1023, 1024, 1025]) {
                let src = &data[off..off + len];
                let want = naive(src, wide);
                let mut buf = src.to_vec();
                let done = xor_in_place(&mut buf, wide);
                if done {
                    assert_eq!(buf, want, "in place, off {off} len {len}");
                }
                let mut dst = BytesMut::from(&data[..off]);
                if extend_xor(&mut dst, src, wide) {
                    assert_eq!(&dst[..off], &data[..off]);
                    assert_eq!(&dst[off..], &want[..], "copy, off {off} len {len}");
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    for at in [0, 1, 7, 8, 13, 31] {
                        let mut out = vec![0xeeu8; len + at + 1];
                        // SAFETY: AVX2 checked; `out[at..]` has `len + 1` bytes, `src` has
                        // `len`, and they are disjoint.
                        unsafe { xor_avx2(out.as_mut_ptr().add(at), src.as_ptr(), len, wide) };
                        assert_eq!(
                            &out[at..at + len],
                            &want[..],
                            "avx2, off {off} at {at} len {len}"
                        );
                        assert!(out[..at].iter().all(|&b| b == 0xee), "before untouched");
                        assert_eq!(out[at + len], 0xee, "after untouched");
                    }
                }
            }
        }
    }
}
