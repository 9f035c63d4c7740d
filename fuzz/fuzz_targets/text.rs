//! The `text` fuzz target (see `fuzz/README.md`); its logic is in `src/text.rs`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sansocket_fuzz::text::text(data));
