//! Payload masking (RFC 6455 §5.3): XOR with a 4-byte key, word-at-a-time.
//!
//! The loops work on fixed-size blocks so that the compiler turns them into SIMD
//! instructions (SSE2 on x86-64, NEON on aarch64, simd128 on wasm32) without `unsafe`.

/// Block size of the vectorised loop: 4 × 16-byte vectors.
const BLOCK: usize = 64;

/// XORs `buf` in place with `key`, where `phase` (0–3) is the position in the key of
/// `buf[0]`. Returns the phase of the byte after `buf`, so a payload can be masked in
/// pieces as it arrives.
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], phase: usize) -> usize {
    let key = rotate(key, phase);
    let pattern = pattern(key);
    let (blocks, rest) = buf.as_chunks_mut::<BLOCK>();
    for block in blocks {
        for (b, m) in block.iter_mut().zip(pattern.iter()) {
            *b ^= m;
        }
    }
    for (b, m) in rest.iter_mut().zip(key.iter().cycle()) {
        *b ^= m;
    }
    (phase + buf.len()) % 4
}

/// Appends `src` masked with `key` (phase 0) to `dst`: one pass, no second copy.
pub(crate) fn extend_masked(dst: &mut bytes::BytesMut, src: &[u8], key: [u8; 4]) {
    let start = dst.len();
    dst.extend_from_slice(src);
    apply_mask(&mut dst[start..], key, 0);
}

fn rotate(key: [u8; 4], phase: usize) -> [u8; 4] {
    let mut k = key;
    k.rotate_left(phase % 4);
    k
}

fn pattern(key: [u8; 4]) -> [u8; BLOCK] {
    let mut p = [0u8; BLOCK];
    for (i, b) in p.iter_mut().enumerate() {
        *b = key[i % 4];
    }
    p
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
    fn rfc6455_section_5_7_masked_hello() {
        // "Hello" masked with 37 fa 21 3d.
        let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&payload, b"Hello");
    }
}
