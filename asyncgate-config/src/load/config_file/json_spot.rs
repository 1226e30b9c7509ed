//! Where a key and its value are in a JSON text that has already parsed
//! (serde_json keeps no positions): a scan that follows the objects down
//! the key's path and skips every other value.

use crate::load::locate::Spot;

/// The key at the dotted `path` and its value, in valid JSON `text`.
pub(crate) fn spot(text: &str, path: &str) -> Option<Spot> {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut parts = path.split('.').peekable();
    scan.space();
    scan.expect(b'{')?;
    loop {
        let part = *parts.peek()?;
        scan.space();
        let key = scan.string()?;
        scan.space();
        scan.expect(b':')?;
        scan.space();
        let start = scan.at;
        // `upstreams[1]`: element 1 of the array `upstreams`.
        let (name, index) = split_index(part)?;
        let matches = unquote(&text[key.clone()]).as_deref() == Some(name);
        if matches {
            parts.next();
            let start = match index {
                Some(index) => {
                    scan.expect(b'[')?;
                    for _ in 0..index {
                        scan.space();
                        scan.value()?;
                        scan.space();
                        scan.expect(b',')?;
                    }
                    scan.space();
                    scan.at
                }
                None => start,
            };
            if parts.peek().is_none() {
                scan.value()?;
                return Some(Spot {
                    key,
                    value: start..scan.at,
                });
            }
            // Into the object that holds the rest of the path.
            scan.expect(b'{')?;
            continue;
        }
        scan.value()?;
        scan.space();
        // The next key of this object; its end means the key is not here.
        scan.expect(b',')?;
    }
}

/// `name[3]` as (`name`, `Some(3)`); a part without an index as itself.
/// `None` for a malformed index.
pub(crate) fn split_index(part: &str) -> Option<(&str, Option<usize>)> {
    match part.strip_suffix(']').and_then(|p| p.split_once('[')) {
        Some((name, index)) => Some((name, Some(index.parse().ok()?))),
        None => Some((part, None)),
    }
}

/// A key's text: its raw bytes when it has no escape, else decoded.
fn unquote(quoted: &str) -> Option<String> {
    let inner = &quoted[1..quoted.len() - 1];
    if inner.contains('\\') {
        serde_json::from_str(quoted).ok()
    } else {
        Some(inner.to_owned())
    }
}

struct Scan<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string, quotes included.
    fn string(&mut self) -> Option<std::ops::Range<usize>> {
        let start = self.at;
        self.expect(b'"')?;
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(start..self.at);
                }
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
    }

    /// Any value: a string, a number or literal, or an object or array
    /// (skipped by counting brackets outside strings; no recursion).
    fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, path: &str) -> Option<(String, String)> {
        crate::load::locate::found(spot, text, path)
    }

    #[test]
    fn follows_an_index_into_an_array_of_objects() {
        let text =
            r#"{"upstreams": [{"url": "a"}, {"url": "b", "weight": [1, 2]}, 3], "port": 80}"#;
        let pair = |k: &str, v: &str| Some((k.to_owned(), v.to_owned()));
        assert_eq!(found(text, "upstreams[1].url"), pair("\"url\"", "\"b\""));
        assert_eq!(found(text, "upstreams[0].url"), pair("\"url\"", "\"a\""));
        assert_eq!(
            found(text, "upstreams[1].weight"),
            pair("\"weight\"", "[1, 2]")
        );
        assert_eq!(found(text, "upstreams[2].url"), None);
        assert_eq!(found(text, "upstreams[9].url"), None);
        assert_eq!(found(text, "upstreams[x].url"), None);
    }

    #[test]
    fn follows_the_path_and_skips_other_values() {
        let text = r#"{"a": [1, {"x": "}"}], "b\"q": "s", "database": {"url": "u,]", "pool": {"max": 5}}, "port": 80}"#;
        let pair = |k: &str, v: &str| Some((k.to_owned(), v.to_owned()));
        assert_eq!(found(text, "port"), pair("\"port\"", "80"));
        assert_eq!(found(text, "database.url"), pair("\"url\"", "\"u,]\""));
        assert_eq!(found(text, "database.pool.max"), pair("\"max\"", "5"));
        assert_eq!(
            found(text, "database.pool"),
            pair("\"pool\"", "{\"max\": 5}")
        );
        assert_eq!(found(text, "a"), pair("\"a\"", "[1, {\"x\": \"}\"}]"));
        assert_eq!(found(text, "b\"q"), pair("\"b\\\"q\"", "\"s\""));
        assert_eq!(found(text, "missing"), None);
        assert_eq!(found(text, "port.x"), None);
        assert_eq!(found("[1]", "a"), None);
        assert_eq!(found("{\"a\": ", "a"), None, "cut short: no panic");
    }
}
