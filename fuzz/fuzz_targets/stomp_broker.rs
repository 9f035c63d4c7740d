//! The `stomp_broker` fuzz target (see `fuzz/README.md`); its logic is in `src/stomp.rs`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sansocket_fuzz::stomp::broker::run(data));
