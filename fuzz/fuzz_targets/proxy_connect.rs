//! The `proxy_connect` fuzz target (see `fuzz/README.md`); its logic is in `src/targets.rs`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sansocket_fuzz::targets::proxy_connect(data));
