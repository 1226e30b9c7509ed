//! Repeated sections in the reader: each element of a `Vec<S>` or of a map
//! of `S` resolved on its own, its settings named by its path.

use super::{FieldReader, InElement, ParsedSectionAt};
use crate::load::elements::{self, Element};
use crate::provenance::ElementSetting;
use crate::report::Finding;

impl<'a> FieldReader<'a> {
    /// Resolves the list section being resolved (`Vec<S>`): one `S` per
    /// element. Used by generated code through `Section`.
    #[doc(hidden)]
    pub fn __list<S>(
        &mut self,
        resolve: fn(&mut Self) -> Option<S>,
        parsed: fn(S) -> Box<dyn crate::ParsedSection>,
    ) -> Option<Vec<S>> {
        self.repeated(resolve, parsed)
            .map(|items| items.into_iter().map(|(_, s)| s).collect())
    }

    /// Resolves the map section being resolved (`BTreeMap<String, S>`,
    /// `HashMap<String, S>`): one `S` per entry, with its key.
    #[doc(hidden)]
    pub fn __map<S>(
        &mut self,
        resolve: fn(&mut Self) -> Option<S>,
        parsed: fn(S) -> Box<dyn crate::ParsedSection>,
    ) -> Option<Vec<(String, S)>> {
        self.repeated(resolve, parsed).map(|items| {
            items
                .into_iter()
                .map(|(key, s)| (key.unwrap_or_default(), s))
                .collect()
        })
    }

    /// Every element of the repeated section at the current path, resolved
    /// in order. `None` when one does not resolve: the elements that did
    /// still have their checks run (`parsed` boxes one for that).
    fn repeated<S>(
        &mut self,
        resolve: fn(&mut Self) -> Option<S>,
        parsed: fn(S) -> Box<dyn crate::ParsedSection>,
    ) -> Option<Vec<(Option<String>, S)>> {
        if self.shapes.is_some() {
            // A probe reads the element's settings once, as the pattern.
            let _ = resolve(self);
            return None;
        }
        let Some(&section) = self
            .schema
            .repeated_sections()
            .iter()
            .find(|r| r.path == self.path)
        else {
            // Not a shape the schema describes as repeated: never silent.
            let path = self.shown_path(&self.path);
            self.findings.push(Finding::error(
                path.as_str(),
                format!("`{path}` is a list or map of sections in a place the settings' schema does not describe as one: not supported"),
            ));
            return None;
        };
        if let Some(outer) = &self.element {
            let shown = self.shown_path(section.path);
            let outer = outer.section;
            self.findings.push(
                Finding::error(
                    section.path,
                    format!(
                        "`{shown}` is a repeated section inside the repeated section `{outer}`: not supported"
                    ),
                )
                .with_remedy(format!(
                    "make `{}` a section of the settings struct itself, keyed by the element it belongs to",
                    section.path
                )),
            );
            return None;
        }
        let mark = section.repeat.placeholder().unwrap_or_default();
        // The section's settings, contiguous among the flat ones.
        let prefix = format!("{}.", section.path);
        let fields = self.schema.fields();
        let first = fields.iter().position(|f| f.name().starts_with(&prefix))?;
        let count = fields[first..]
            .iter()
            .take_while(|f| f.name().starts_with(&prefix))
            .count();
        let range = first..first + count;
        let vars = elements::vars_may_set(self.layers, section.path, &fields[range.clone()]);
        // Each setting's variable around the element's mark, split once
        // for all the elements: `ORDERS_UPSTREAMS_` and `_URL`.
        let env_parts: Vec<Option<(&'static str, &'static str)>> = fields[range.clone()]
            .iter()
            .map(|f| f.env().split_once(mark))
            .collect();
        let found = elements::elements(self.layers, self.schema, section, &mut self.findings)?;
        let mut done: Vec<(Option<String>, String, S)> = Vec::with_capacity(found.len());
        // Room for every element's records at once (not regrown per element).
        self.elements
            .reserve(found.len().saturating_mul(range.len()));
        let mut complete = true;
        for at in found {
            self.enter(section.path, mark, range.clone(), &env_parts, vars, at);
            let value = resolve(self);
            // The element's key and path go on with its value.
            let Some(el) = self.element.take() else {
                continue;
            };
            match value {
                Some(value) => done.push((el.at.key, el.at.shown, value)),
                None => complete = false,
            }
        }
        if complete {
            return Some(done.into_iter().map(|(k, _, s)| (k, s)).collect());
        }
        // One report, one deploy round: the elements that parsed are checked.
        for (_, path, section) in done {
            self.parsed_sections.push(ParsedSectionAt {
                path,
                section: parsed(section),
            });
        }
        None
    }

    /// Starts resolving the element `at` of the repeated section at
    /// `section`: a record for each of its settings, unset until read.
    fn enter(
        &mut self,
        section: &'static str,
        mark: &'static str,
        range: std::ops::Range<usize>,
        env_parts: &[Option<(&'static str, &'static str)>],
        vars: bool,
        at: Element<'a>,
    ) {
        let start = self.elements.len();
        let fields = self.schema.fields();
        let el = InElement {
            section,
            mark,
            at,
            start,
            first: range.start,
            vars,
        };
        for (index, parts) in range.zip(env_parts) {
            let field = &fields[index];
            let rest = &field.name()[section.len()..];
            // `upstreams[1]` + `.url`; `ORDERS_UPSTREAMS_` + `1` + `_URL`.
            let env: [&str; 3] = match parts {
                Some((head, tail)) => [head, &el.at.env_part, tail],
                None => [field.env(), "", ""],
            };
            self.elements.push(ElementSetting::new(
                &[&el.at.shown, rest],
                &env,
                field,
                index,
            ));
        }
        self.element = Some(el);
    }
}
