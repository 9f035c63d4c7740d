//! One function per fuzz target.

use sansocket::{Delivery, frame::parse_header};

use crate::compare::{self, normalize};
use crate::drive::{Entry, Feed, Op, Scenario, Start, run};
use crate::input;
use crate::reference::{self, Limits};
use crate::wire;

/// The server's handshake parser: arbitrary request bytes, then accept or reject.
pub fn handshake_server(data: &[u8]) {
    compare::check(&input::handshake_server(data));
}

/// The client's handshake response parser: arbitrary response bytes.
pub fn handshake_client(data: &[u8]) {
    compare::check(&input::handshake_client(data));
}

/// The frame decoder of an open connection: arbitrary bytes.
pub fn frames(data: &[u8], client: bool) {
    compare::check(&input::frames(data, client));
}

/// A whole connection: bytes, frames and actions interleaved.
pub fn connection(data: &[u8], client: bool) {
    compare::check(&input::connection(data, client));
}

/// sansocket's frame decoder against [`reference::decode`]: the same messages, the same
/// error, the same replies; and `parse_header` against [`reference::header`].
pub fn differential(data: &[u8]) {
    let (config, client, eof, bytes) = input::differential(data);
    let mut at = 0;
    while at <= bytes.len() {
        headers_agree(&bytes[at..]);
        match reference::header(&bytes[at..]) {
            Ok(Some(h)) => {
                at += h.size
                    + usize::try_from(h.len)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len())
            }
            _ => break,
        }
    }
    let limits = Limits {
        max_frame: config.max_frame_size as u64,
        max_message: config.max_message_size as u64,
        max_fragments: config.max_fragments as u64,
    };
    let expected = reference::decode(bytes, !client, limits, config.auto_pong, eof);
    let runs =
        [Delivery::Messages, Delivery::Chunks].map(|d| [(d, Feed::AsGiven), (d, Feed::Bytewise)]);
    for (delivery, feed) in runs.into_iter().flatten() {
        let config = config.clone().delivery(delivery);
        let mut ops = vec![Op::Data(bytes.to_vec())];
        if eof {
            ops.push(Op::Eof);
        }
        let start = if client {
            Start::OpenClient(None)
        } else {
            Start::OpenServer(None)
        };
        let s = Scenario {
            start,
            config,
            decision: Default::default(),
            ops,
        };
        let got = run(&s, feed);
        let mut entries = normalize(&got.entries).0;
        entries.retain(|e| !matches!(e, Entry::Eof));
        assert_eq!(
            entries, expected.entries,
            "decoded differently ({delivery:?})"
        );
        let replies: Vec<(u8, Vec<u8>)> = wire::parse_all(&got.output)
            .expect("whole frames")
            .into_iter()
            .map(|f| {
                let payload = if f.opcode == 8 {
                    f.payload[..f.payload.len().min(2)].to_vec()
                } else {
                    f.payload
                };
                (f.opcode, payload)
            })
            .collect();
        let mut want = expected.replies.clone();
        for (opcode, payload) in &mut want {
            if *opcode == 8 {
                payload.truncate(2);
            }
        }
        assert_eq!(replies, want, "replies differ ({delivery:?})");
    }
}

/// `parse_header` and the reference agree on every prefix of the first header.
fn headers_agree(bytes: &[u8]) {
    for end in 0..=bytes.len().min(16) {
        let prefix = &bytes[..end];
        let ours = parse_header(prefix).map_err(|e| e.name());
        let theirs = reference::header(prefix);
        match (ours, theirs) {
            (Ok(None), Ok(None)) => {}
            (Err(a), Err(b)) => assert_eq!(a, b, "header error on {prefix:02x?}"),
            (Ok(Some((h, n))), Ok(Some(r))) => {
                assert_eq!(
                    (h.fin, h.rsv, h.opcode as u8, h.mask, h.len, n),
                    (r.fin, r.rsv, r.opcode, r.mask, r.len, r.size),
                    "header of {prefix:02x?}"
                );
            }
            (a, b) => panic!("parse_header {a:?} vs reference {b:?} on {prefix:02x?}"),
        }
    }
}

/// permessage-deflate on an open connection: compressed frames in, compressed messages
/// out, against the reference inflater and the opposite endpoint.
pub fn deflate(data: &[u8]) {
    compare::check(&input::deflate(data));
}

/// Masking (`sansocket::mask`, whose AVX2 code is the crate's only `unsafe`)
/// against a byte-by-byte reference, at any length, key phase and alignment of source and
/// destination, in place and copied, at once and in two pieces.
///
/// Input: 4 key bytes, a phase byte (`% 4`), a source offset byte (`% 64`, the alignment
/// of the slice masked in place and of the copy's source), a destination prefix byte (`% 64`,
/// bytes already in the buffer appended to), a split byte (where the payload is cut for
/// masking in two pieces, scaled to its length), then the payload.
pub fn mask(data: &[u8]) {
    use sansocket::mask::{apply_mask, extend_masked};
    let [
        k0,
        k1,
        k2,
        k3,
        phase,
        offset,
        prefix,
        split,
        ref payload @ ..,
    ] = *data
    else {
        return;
    };
    let key = [k0, k1, k2, k3];
    let phase = usize::from(phase % 4);
    let (offset, prefix) = (usize::from(offset % 64), usize::from(prefix % 64));
    let split = payload.len() * usize::from(split) / 255;
    let want: Vec<u8> = payload
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ key[(i + phase) % 4])
        .collect();
    let next = (phase + payload.len()) % 4;

    // In place, at `offset` into a buffer (the bytes around it untouched).
    let mut buf = vec![0xa5u8; offset + payload.len() + 64];
    buf[offset..offset + payload.len()].copy_from_slice(payload);
    assert_eq!(
        apply_mask(&mut buf[offset..offset + payload.len()], key, phase),
        next
    );
    assert_eq!(&buf[offset..offset + payload.len()], &want[..], "in place");
    assert!(buf[..offset].iter().all(|&b| b == 0xa5));
    assert!(buf[offset + payload.len()..].iter().all(|&b| b == 0xa5));

    // In two pieces.
    let mut pieces = payload.to_vec();
    let (a, b) = pieces.split_at_mut(split);
    let mid = apply_mask(a, key, phase);
    assert_eq!(apply_mask(b, key, mid), next);
    assert_eq!(pieces, want, "in pieces");

    // Copied: from `offset` into a buffer already holding `prefix` bytes, at once and in
    // two pieces.
    let mut source = vec![0u8; offset];
    source.extend_from_slice(payload);
    let src = &source[offset..];
    let head: Vec<u8> = (0..prefix as u8).collect();
    let mut dst = bytes::BytesMut::from(&head[..]);
    assert_eq!(extend_masked(&mut dst, src, key, phase), next);
    assert_eq!(&dst[..prefix], &head[..]);
    assert_eq!(&dst[prefix..], &want[..], "copied");
    let mut dst = bytes::BytesMut::from(&head[..]);
    let mid = extend_masked(&mut dst, &src[..split], key, phase);
    assert_eq!(extend_masked(&mut dst, &src[split..], key, mid), next);
    assert_eq!(&dst[prefix..], &want[..], "copied in pieces");
}

/// sansocket's DEFLATE compressor (sansocket-deflate) alone: messages cut from the input (any bytes, any
/// settings: level 0–9, window 8–15 bits, context takeover or not, `low_memory`),
/// compressed one after another and inflated by zlib-rs (the reference) with the same
/// window, given one output byte at a time for some inputs so that a distance beyond the
/// window fails; each must come back as it was, and compressed output must be smaller.
pub fn deflate_compress(data: &[u8]) {
    use flate2::{Decompress, FlushDecompress};
    use sansocket_deflate::MessageCompressor;

    let [settings, rest @ ..] = data else { return };
    let level = u32::from(settings % 10);
    let bits = 8 + (settings >> 4 & 7);
    let reset = settings & 0x80 != 0;
    let low_memory = settings % 3 == 0;
    let step = if settings % 5 == 0 { 1 } else { 1 << 16 };
    let mut compressor = MessageCompressor::new(level, bits)
        .with_no_context_takeover(reset)
        .with_low_memory(low_memory);
    let new = || Decompress::new_with_window_bits(false, bits.max(9));
    let mut inflater = new();
    // Messages: a length byte (times a factor for some, so long messages occur) then the
    // bytes; a message may repeat the one before (context takeover at work).
    let mut rest = rest;
    let mut last: Vec<u8> = Vec::new();
    while let [head, tail @ ..] = rest {
        let len = usize::from(head & 0x3f) * [1, 7, 61, 509][usize::from(head >> 6)];
        let (msg, more) = tail.split_at(len.min(tail.len()));
        rest = more;
        let msg: Vec<u8> = if head & 0x3f == 0x3f {
            last.repeat(3)
        } else if len > msg.len() {
            // Not enough input left: stretch what there is.
            msg.iter().copied().cycle().take(len).collect()
        } else {
            msg.to_vec()
        };
        let mut wire = Vec::new();
        if compressor.compress(&msg, &mut wire) {
            assert!(
                wire.len() < msg.len().max(1) || msg.is_empty(),
                "not smaller"
            );
            wire.extend_from_slice(&[0, 0, 0xff, 0xff]);
            let mut out = Vec::new();
            let mut input = &wire[..];
            loop {
                let mut part = Vec::with_capacity(step);
                let before = inflater.total_in();
                inflater
                    .decompress_vec(input, &mut part, FlushDecompress::Sync)
                    .expect("the reference inflates what we compressed");
                out.extend_from_slice(&part);
                input = &input[(inflater.total_in() - before) as usize..];
                if input.is_empty() && part.len() < step {
                    break;
                }
                assert!(out.len() <= msg.len(), "more bytes than the message");
            }
            assert!(
                out == msg,
                "round trip: {} bytes for {}",
                out.len(),
                msg.len()
            );
            if reset {
                inflater = new();
            }
        } else {
            assert!(wire.is_empty());
        }
        last = msg;
    }
}

/// sansocket's DEFLATE decoder (sansocket-deflate) alone, against zlib-rs: a stream (the input as it is, or the
/// input compressed by zlib or by sansocket at any level, with a byte changed for some),
/// inflated twice in a row on one context (the second reads the first's history), cut at
/// up to four places and with an output cap of 1, 7, 300 bytes or none. Ours must give
/// zlib's bytes and fail where zlib fails (after the same output); an unchanged compressed
/// stream must give its message back.
pub fn inflate(data: &[u8]) {
    use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
    use sansocket_deflate::{InflateError, Inflated, MessageCompressor, MessageInflater};

    const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
    let &[settings, seed, flip, ref rest @ ..] = data else {
        return;
    };
    let level = u32::from(settings >> 2) % 10;
    let changed = settings & 0x80 != 0;
    let mut compressed = true;
    let mut wire = match settings & 3 {
        0 | 3 => {
            compressed = false;
            rest.to_vec()
        }
        1 => {
            let mut c = Compress::new(Compression::new(level), false);
            let mut out = Vec::with_capacity(rest.len() * 2 + 64);
            c.compress_vec(rest, &mut out, FlushCompress::Sync)
                .expect("room for all of it");
            out.truncate(out.len().saturating_sub(4));
            out
        }
        _ => {
            let mut out = Vec::new();
            if !MessageCompressor::new(level, 15).compress(rest, &mut out) {
                // Not smaller compressed: the message itself as the stream.
                out = rest.to_vec();
                compressed = false;
            }
            out
        }
    };
    let valid = compressed && !changed;
    if changed && !wire.is_empty() {
        let at = usize::from(seed) * 7 % wire.len();
        wire[at] ^= flip | 1;
    }
    // Cuts and the cap from the seed (xorshift).
    let mut x = u64::from(seed) << 8 | u64::from(flip) | 1;
    let mut cuts: Vec<usize> = (0..usize::from(seed % 5))
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % (wire.len() as u64 + 1)) as usize
        })
        .collect();
    cuts.sort_unstable();
    let step = [usize::MAX, 1, 7, 300][usize::from(settings >> 5 & 3)];
    // Released (as a receiver does when it has decoded all it was given) after each piece,
    // or kept throughout.
    let release = flip & 0x40 != 0;
    let mut inf = MessageInflater::new(15);
    let mut reference = Decompress::new_with_window_bits(false, 15);
    let limit = 1 << 22;
    for _ in 0..2 {
        // zlib, all at once (the tail appended).
        let mut input = wire.clone();
        input.extend_from_slice(&TAIL);
        let mut left = &input[..];
        let mut want: Vec<u8> = Vec::with_capacity(64);
        let (mut want_err, mut ended) = (None, false);
        loop {
            if want.len() > limit {
                want.truncate(limit);
                want_err = Some(InflateError::TooLarge);
                break;
            }
            if want.capacity() == want.len() {
                want.reserve(want.len().max(64));
            }
            let (before_in, before_out) = (reference.total_in(), reference.total_out());
            let result = reference.decompress_vec(left, &mut want, FlushDecompress::Sync);
            let used = (reference.total_in() - before_in) as usize;
            let produced = (reference.total_out() - before_out) as usize;
            left = &left[used..];
            match result {
                Err(_) => {
                    want_err = Some(InflateError::Corrupt);
                    break;
                }
                Ok(Status::StreamEnd) => {
                    ended = true;
                    break;
                }
                Ok(_) if want.len() < want.capacity() => {
                    if left.is_empty() || used == 0 && produced == 0 {
                        break;
                    }
                }
                Ok(_) => {}
            }
        }
        if want.len() > limit {
            want.truncate(limit);
            want_err = Some(InflateError::TooLarge);
        }
        if ended {
            reference.reset(false);
        }
        // Ours, in pieces, `step` bytes of output at a time at most.
        let mut got = Vec::new();
        let mut err = None;
        let mut at = 0;
        'pieces: for end in cuts.iter().copied().chain([wire.len()]) {
            let mut piece = &wire[at..end];
            at = end;
            loop {
                let cap = got.len().saturating_add(step);
                match inf.inflate(piece, &mut got, limit, cap) {
                    Ok(Inflated { used, full }) => {
                        piece = &piece[used..];
                        assert!(got.len() <= cap, "past the cap");
                        if !full {
                            assert!(piece.is_empty(), "input left, output not full");
                            break;
                        }
                    }
                    Err(e) => {
                        err = Some(e);
                        break 'pieces;
                    }
                }
            }
            if release {
                inf.release();
            }
        }
        if err.is_none() {
            err = inf.finish(&mut got, limit).err();
        }
        if release {
            inf.release();
        }
        assert_eq!(err, want_err, "verdicts differ");
        assert!(got == want, "{} bytes, zlib {}", got.len(), want.len());
        if valid {
            assert!(got == rest, "the message back");
        }
        if err.is_some() {
            break;
        }
    }
}

/// `handshake::ProxyConnect`, the proxy's answer to `CONNECT`: arbitrary bytes (the first
/// byte picks the limits and where the input is cut), fed whole and in pieces. Never a
/// panic; the same outcome or error however the bytes were cut (a `Connected`'s `rest`
/// plus the pieces after it is the input after the head); a rejection's body within its
/// limit; EOF after no outcome is one (a rejection read to its end) or an error.
pub fn proxy_connect(data: &[u8]) {
    use sansocket::handshake::{ProxyConnect, ProxyError, ProxyOutcome};

    let Some((&knobs, answer)) = data.split_first() else {
        return;
    };
    let max_body = usize::from(knobs & 0x0f) * 16;
    let step = usize::from(knobs >> 4) + 1;
    let make = || {
        ProxyConnect::new("example.com", 443)
            .expect("a valid target")
            .with_credentials("user", "pass")
            .with_max_head_size(512)
            .with_max_body_size(max_body)
    };
    let feed = |pieces: &mut dyn Iterator<Item = &[u8]>| -> Result<ProxyOutcome, ProxyError> {
        let mut proxy = make();
        assert!(!proxy.data_to_send().is_empty());
        let mut fed = 0;
        for piece in pieces {
            fed += piece.len();
            match proxy.receive_data(piece)? {
                Some(ProxyOutcome::Connected { mut rest }) => {
                    rest.extend_from_slice(&answer[fed..]);
                    return Ok(ProxyOutcome::Connected { rest });
                }
                Some(outcome) => return Ok(outcome),
                None => {}
            }
        }
        let outcome = proxy.receive_eof();
        assert!(matches!(proxy.receive_eof(), Err(ProxyError::Finished)));
        outcome
    };
    let whole = feed(&mut std::iter::once(answer));
    let pieces = feed(&mut answer.chunks(step));
    assert_eq!(whole, pieces, "cut every {step} bytes");
    match whole {
        Ok(ProxyOutcome::Connected { rest }) => assert!(answer.ends_with(&rest)),
        Ok(ProxyOutcome::Rejected(r)) => {
            assert!(r.body.len() <= max_body);
            assert!(!(200..300).contains(&r.status));
        }
        _ => {}
    }
}
