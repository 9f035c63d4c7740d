//! The `handshake_server` fuzz target (see `fuzz/README.md`); its logic is in `src/targets.rs`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sansocket_fuzz::targets::handshake_server(data));
