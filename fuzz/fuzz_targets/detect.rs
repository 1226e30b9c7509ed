//! Detection over any map of the platforms' variables: a found id is valid,
//! and the trace has one step per platform.
#![no_main]

use std::collections::HashMap;

use asyncgate_config::Platform;
use asyncgate_config::detect::detect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut env = HashMap::new();
    for line in text.lines().take(32) {
        let mut chars = line.chars();
        let index = chars.next().map_or(0, |c| c as usize);
        let value = chars.as_str();
        let names = Platform::ENV_VARS;
        let name = names[index % names.len()];
        env.insert(name.to_owned(), value.to_owned());
    }
    let mut n = 0u64;
    let detection = detect(&Platform::ALL, &env, &mut || {
        n += 1;
        n
    });
    assert_eq!(detection.trace.len(), Platform::ALL.len());
    if let Some((_, _, id)) = detection.found {
        assert!(asyncgate_config::InstanceId::is_valid(id.as_str()));
    }
});
