#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| luasocket_rs::fuzzing::http_head(data));
