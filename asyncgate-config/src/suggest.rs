//! "Did you mean" suggestions for misspelt names.

/// The candidate closest to `input`, if one is close enough to be a likely
/// typo (or `input` is a prefix of it, as in `prod` for `production`).
pub(crate) fn did_you_mean<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let input = input.trim().to_ascii_lowercase();
    if input.is_empty() {
        return None;
    }
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let lower = candidate.to_ascii_lowercase();
        let score = if lower.starts_with(&input) && input.len() >= 3 {
            1.0
        } else {
            strsim::jaro_winkler(&input, &lower)
        };
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Shows a user-supplied value in a message: escaped, and cut short when long.
pub(crate) fn quote_input(value: &str) -> String {
    const MAX: usize = 64;
    let mut shown: String = value
        .chars()
        .take(MAX)
        .collect::<String>()
        .escape_debug()
        .to_string();
    if value.chars().count() > MAX {
        shown.push('…');
    }
    format!("`{shown}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_and_prefixes() {
        let names = ["development", "staging", "production"];
        assert_eq!(did_you_mean("prod", names), Some("production"));
        assert_eq!(did_you_mean("stagin", names), Some("staging"));
        assert_eq!(did_you_mean("Developmnet", names), Some("development"));
        assert_eq!(did_you_mean("banana", names), None);
        assert_eq!(did_you_mean("", names), None);
    }

    #[test]
    fn quotes_control_characters_and_cuts_long_input() {
        assert_eq!(quote_input("a\nb"), "`a\\nb`");
        let long = "x".repeat(100);
        assert!(quote_input(&long).ends_with("…`"));
    }
}
