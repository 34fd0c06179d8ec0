//! Parses arbitrary text as an image reference: never a panic, and a
//! reference that parses prints as text that parses back to it, both in
//! full and in its familiar form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wharf::Reference;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(reference) = Reference::parse(text) else {
        return;
    };
    let full = reference.to_string();
    assert_eq!(
        Reference::parse(&full).expect("the full form parses"),
        reference
    );
    let familiar = reference.familiar();
    assert_eq!(
        Reference::parse(&familiar).expect("the familiar form parses"),
        reference
    );
    assert!(reference.name().len() <= 255);
    let _ = reference.auth_key();
});
