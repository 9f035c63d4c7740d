//! Property: masking (`apply_mask`, `extend_masked`; AVX2 where the CPU has them)
//! equals byte-by-byte XOR at any length, key phase, source alignment and destination
//! prefix, at once and in two pieces.

use bytes::BytesMut;
use proptest::prelude::*;
use sansocket::mask::{apply_mask, extend_masked};

fn naive(data: &[u8], key: [u8; 4], phase: usize) -> Vec<u8> {
    data.iter()
        .enumerate()
        .map(|(i, b)| b ^ key[(i + phase) % 4])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn masking_matches_byte_by_byte(
        data in prop::collection::vec(any::<u8>(), 0..5000),
        key in any::<[u8; 4]>(),
        phase in 0usize..4,
        offset in 0usize..64,
        prefix in 0usize..64,
        split in 0.0f64..=1.0,
    ) {
        let want = naive(&data, key, phase);
        let next = (phase + data.len()) % 4;
        let cut = (data.len() as f64 * split) as usize;

        let mut buf = vec![0x5au8; offset + data.len() + 64];
        buf[offset..offset + data.len()].copy_from_slice(&data);
        prop_assert_eq!(apply_mask(&mut buf[offset..offset + data.len()], key, phase), next);
        prop_assert_eq!(&buf[offset..offset + data.len()], &want[..]);
        prop_assert!(buf[..offset].iter().chain(&buf[offset + data.len()..]).all(|&b| b == 0x5a));

        let mut pieces = data.clone();
        let (a, b) = pieces.split_at_mut(cut);
        let mid = apply_mask(a, key, phase);
        prop_assert_eq!(apply_mask(b, key, mid), next);
        prop_assert_eq!(&pieces, &want);

        let mut source = vec![0u8; offset];
        source.extend_from_slice(&data);
        let src = &source[offset..];
        let head: Vec<u8> = (0..prefix as u8).collect();
        let mut dst = BytesMut::from(&head[..]);
        prop_assert_eq!(extend_masked(&mut dst, src, key, phase), next);
        prop_assert_eq!(&dst[..prefix], &head[..]);
        prop_assert_eq!(&dst[prefix..], &want[..]);
        let mut dst = BytesMut::from(&head[..]);
        let mid = extend_masked(&mut dst, &src[..cut], key, phase);
        prop_assert_eq!(extend_masked(&mut dst, &src[cut..], key, mid), next);
        prop_assert_eq!(&dst[prefix..], &want[..]);
    }
}
