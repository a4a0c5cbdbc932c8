//! `parse_header` and `verify_signature` on arbitrary headers and bodies: never panic, and a
//! header only verifies when it is the body's real signature.
#![no_main]

use instagraph_webhook::signature::{parse_header, sign, verify_signature};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Header up to the first NUL byte, body after it.
    let (header, body) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let header = String::from_utf8_lossy(header);
    let parsed = parse_header(&header);
    let secrets: [&[u8]; 2] = [b"fuzz-secret", b""];
    if verify_signature(&secrets, Some(&header), body).is_ok() {
        assert!(parsed.is_ok());
    }
    let good = sign(b"fuzz-secret", body);
    assert_eq!(verify_signature(&secrets, Some(&good), body), Ok(0));
});
