//! A password in any connection-string form never survives masking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // `form|password`: the form's `P` is replaced by the password.
    let Some((form, password)) = text.split_once('|') else {
        let _ = asyncgate_config::__fuzz::mask(text);
        return;
    };
    let forms = [
        "postgres://user:P@host:5432/db",
        "postgres://host/db?sslmode=require&password=P",
        "host=h user=u password=P dbname=d",
        "user:P@host/db",
        "rediss://cache:6380/0?password=P",
        "https://a.example,redis://:P@cache:6379",
    ];
    let template = forms[form.len() % forms.len()];
    // Passwords as such strings can hold them: no whitespace or list
    // separator anywhere, no query separators inside a URL's query.
    let in_query = template.contains("password=P") && template.contains('?');
    let password: String = password
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && *c != ',' && *c != '\'' && *c != '"')
        .filter(|c| !(in_query && "&;#=".contains(*c)))
        .take(64)
        .collect();
    if password.len() < 6
        || password.contains("://")
        || "[redacted]".contains(password.as_str())
        || password.contains("redacted")
        || template.replace('P', "").contains(&password)
    {
        return;
    }
    let value = template.replace('P', &password);
    // `user:` + `//...` reads as a URL scheme: ambiguous by construction.
    if value.matches("://").count() != template.matches("://").count() {
        return;
    }
    let masked = asyncgate_config::__fuzz::mask(&value);
    // Cut at the mask so a password that overlaps `[redacted]` is not a match.
    let outside_masks = masked.replace("[redacted]", "\u{0}");
    assert!(!outside_masks.contains(&password), "{value} -> {masked}");
});
