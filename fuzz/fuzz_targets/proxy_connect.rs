#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| sansocket_fuzz::targets::proxy_connect(data));
