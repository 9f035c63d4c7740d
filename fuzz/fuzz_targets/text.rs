#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sansocket_fuzz::text::text(data));
