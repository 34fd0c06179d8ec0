//! `wharf_tests::fuzz::docker_config` under libFuzzer (see its docs for the input layout).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wharf_tests::fuzz::docker_config(data));
