#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| agenticstar::fuzzing::chat_event(data));
