//! The instance-id rules and normalisation agree on any input.
#![no_main]

use asyncgate_config::InstanceId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match text.parse::<InstanceId>() {
        Ok(id) => {
            assert!(InstanceId::is_valid(id.as_str()));
            // A valid id normalises to itself, but for trailing separators.
            let normal = InstanceId::normalize(id.as_str()).expect("a valid id has usable characters");
            assert_eq!(normal.as_str(), id.as_str().trim_end_matches('-'));
        }
        Err(e) => {
            assert!(!InstanceId::is_valid(&text));
            let _ = e.to_string();
        }
    }
    if let Some(id) = InstanceId::normalize(&text) {
        assert!(InstanceId::is_valid(id.as_str()), "{id:?}");
        assert!(id.len() <= InstanceId::MAX_LEN);
        // Idempotent.
        assert_eq!(InstanceId::normalize(id.as_str()).as_ref(), Some(&id));
    }
});
