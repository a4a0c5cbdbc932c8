//! `split` on arbitrary bytes: never panics, and every event keeps its invariants.
#![no_main]

use instagraph_webhook::payload::{CommentValue, MAX_DEDUPE_KEY_LEN, split};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(events) = split(data) else { return };
    for ev in &events {
        assert!(!ev.dedupe_key.is_empty() && ev.dedupe_key.len() <= MAX_DEDUPE_KEY_LEN);
        let normalized = ev.normalized();
        assert_eq!(normalized["eventType"], ev.kind.as_str());
        let _ = ev.messaging_item();
        let _ = ev.change_value::<CommentValue>();
    }
    // Deterministic: the same bytes give the same keys.
    if let Ok(again) = split(data) {
        assert!(again.iter().zip(&events).all(|(a, b)| a.dedupe_key == b.dedupe_key));
    }
});
