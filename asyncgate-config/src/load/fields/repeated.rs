//! Repeated sections in the reader: each element of a `Vec<S>` or of a map
//! of `S` resolved on its own, its settings named by its path.

use super::{FieldReader, InElement, ParsedSectionAt};
use crate::load::elements::{self, Element};
use crate::provenance::{ElementSetting, SettingRecord};
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
        let section = *self
            .schema
            .repeated_sections()
            .iter()
            .find(|r| r.path == self.path)?;
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
        let found = elements::elements(self.layers, self.schema, section, &mut self.findings)?;
        let mut done: Vec<(Option<String>, String, S)> = Vec::with_capacity(found.len());
        let mut complete = true;
        for at in found {
            let (key, shown) = (at.key.clone(), at.shown.clone());
            self.enter(section.path, mark, at);
            let value = resolve(self);
            self.element = None;
            match value {
                Some(value) => done.push((key, shown, value)),
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
    fn enter(&mut self, section: &'static str, mark: &'static str, at: Element<'a>) {
        let start = self.elements.len();
        let prefix = format!("{section}.");
        let fields = self.schema.fields();
        let el = InElement {
            section,
            mark,
            at,
            start,
        };
        for (index, field) in fields.iter().enumerate() {
            if field.name().starts_with(&prefix) {
                let names = super::ElementNames::of(&el, field);
                self.elements.push(ElementSetting {
                    path: names.name,
                    env: names.env,
                    field,
                    record: SettingRecord::unset(),
                    index,
                });
            }
        }
        self.element = Some(el);
    }
}
