//! Where a key and its value are in a YAML text that has already parsed:
//! the parser's events again, following the mappings down the key's path.

use std::ops::Range;

use saphyr_parser::{Event, Marker, Parser};

use crate::load::locate::Spot;

/// A mapping or list the walk is in.
enum Frame {
    Mapping {
        /// The key whose value is being read, with its place.
        key: Option<(String, Range<usize>)>,
    },
    Sequence {
        /// The index of the item being read.
        index: usize,
    },
}

/// One step of a setting's path: a key, or an index into a list.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step<'p> {
    Key(&'p str),
    Index(usize),
}

/// The key at the dotted `path` and its value, in `text`.
pub(crate) fn spot(text: &str, path: &str) -> Option<Spot> {
    // `upstreams[1].url`: the key `upstreams`, item 1, the key `url`.
    let mut target: Vec<Step<'_>> = Vec::new();
    for part in path.split('.') {
        let (name, index) = super::json_spot::split_index(part)?;
        target.push(Step::Key(name));
        target.extend(index.map(Step::Index));
    }
    let mut stack: Vec<Frame> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        let range = offset(text, span.start)?..offset(text, span.end)?;
        let node = matches!(
            event,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
        );
        if node && let Some(Frame::Mapping { key }) = stack.last_mut() {
            if key.is_none() {
                // A key: only plain text keys name settings.
                let Event::Scalar(text, ..) = &event else {
                    return None;
                };
                *key = Some((text.to_string(), range));
                continue;
            }
            if is_path(&stack, &target) {
                let Some(Frame::Mapping {
                    key: Some((_, key)),
                }) = stack.last()
                else {
                    return None;
                };
                return Some(Spot {
                    key: key.clone(),
                    value: range,
                });
            }
        }
        match event {
            Event::MappingStart(..) => stack.push(Frame::Mapping { key: None }),
            Event::SequenceStart(..) => stack.push(Frame::Sequence { index: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                value_done(&mut stack);
            }
            Event::Scalar(..) | Event::Alias(_) => value_done(&mut stack),
            _ => {}
        }
    }
    None
}

/// A mapping's value is complete: the next node is a key; or a list's
/// item: the next node is the next item.
fn value_done(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Mapping { key }) => *key = None,
        Some(Frame::Sequence { index }) => *index += 1,
        None => {}
    }
}

/// Whether the keys and items being read, from the top, are `target`.
fn is_path(stack: &[Frame], target: &[Step<'_>]) -> bool {
    stack.len() == target.len()
        && stack
            .iter()
            .zip(target)
            .all(|(frame, step)| match (frame, step) {
                (
                    Frame::Mapping {
                        key: Some((key, _)),
                    },
                    Step::Key(part),
                ) => key == part,
                (Frame::Sequence { index }, Step::Index(at)) => index == at,
                _ => false,
            })
}

/// The byte offset of a parser marker (line from 1, column from 0, in
/// characters).
fn offset(text: &str, marker: Marker) -> Option<usize> {
    let line_start = if marker.line() <= 1 {
        0
    } else {
        text.match_indices('\n').nth(marker.line() - 2)?.0 + 1
    };
    let line = &text[line_start..];
    let within = line
        .char_indices()
        .nth(marker.col())
        .map_or(line.len(), |(i, _)| i);
    Some(line_start + within)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, path: &str) -> Option<(String, String)> {
        crate::load::locate::found(spot, text, path)
    }

    #[test]
    fn follows_the_path_in_block_and_flow_style() {
        let text = "name: é-app\nlist: [1, {port: 2}]\ndatabase:\n  url: 'u: x'\n  pool: {max: 5}\nport: 80\n";
        let pair = |k: &str, v: &str| Some((k.to_owned(), v.to_owned()));
        assert_eq!(found(text, "port"), pair("port", "80"));
        assert_eq!(found(text, "name"), pair("name", "é-app"));
        assert_eq!(found(text, "database.url"), pair("url", "'u: x'"));
        assert_eq!(found(text, "database.pool.max"), pair("max", "5"));
        assert_eq!(
            found(text, "list.port"),
            None,
            "inside a list: not a setting's path"
        );
        assert_eq!(found(text, "missing"), None);
        let list =
            "upstreams:\n  - url: a\n  - url: b\n    weight: 2\ntenants: {acme: {quota: 3}}\n";
        assert_eq!(found(list, "upstreams[1].url"), pair("url", "b"));
        assert_eq!(found(list, "upstreams[0].url"), pair("url", "a"));
        assert_eq!(found(list, "upstreams[1].weight"), pair("weight", "2"));
        assert_eq!(found(list, "upstreams[2].url"), None);
        assert_eq!(found(list, "tenants.acme.quota"), pair("quota", "3"));
    }
}
