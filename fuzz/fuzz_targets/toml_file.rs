//! Any config-file text: parsed, or one clear error; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let messages = asyncgate_config::__fuzz::toml(text);
    assert!(messages.len() <= 1);
    // Every key pointed at as a finding would: never a panic, always the file.
    for at in asyncgate_config::__fuzz::locate_every_key("c.toml", text) {
        assert!(at.starts_with("c.toml:"), "{at}");
    }
});
