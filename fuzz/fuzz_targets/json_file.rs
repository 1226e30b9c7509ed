//! Any JSON config-file text: parsed, or one clear error naming the
//! file; never a panic, never a hang (aliases and nesting are bounded).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let messages = asyncgate_config::__fuzz::config_file("c.json", text);
    assert!(messages.len() <= 1);
    assert!(messages.iter().all(|m| m.contains("c.json")), "{messages:?}");
    // Every key pointed at as a finding would: never a panic, always the file.
    for at in asyncgate_config::__fuzz::locate_every_key("c.json", text) {
        assert!(at.starts_with("c.json:"), "{at}");
    }
});
