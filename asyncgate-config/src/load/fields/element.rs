//! The element of a repeated section being read: its names for each
//! setting of the section, and where its settings' records are (the
//! element's copies, not the schema's).

use super::FieldReader;
use crate::load::elements::Element;
use crate::load::layers::{ElementKey, Key};
use crate::provenance::{ElementSetting, SettingRecord};
use crate::schema::FieldSchema;

/// The element being resolved: its section and where its records start.
#[derive(Debug)]
pub(super) struct InElement<'a> {
    /// The repeated section's dotted path in the schema (`upstreams`).
    pub(super) section: &'static str,
    /// What stands for the element in the schema's variable names (`<N>`).
    pub(super) mark: &'static str,
    pub(super) at: Element<'a>,
    /// Where its records start in `elements`: one per setting of the
    /// section, in flat order from `first` (a section's settings are
    /// contiguous among the flat ones).
    pub(super) start: usize,
    pub(super) first: usize,
    /// Whether a variable or `Loader::set` could set one of its settings.
    pub(super) vars: bool,
}

impl InElement<'_> {
    /// Where the record of the setting at flat `index` is in `elements`.
    pub(super) fn slot(&self, index: usize, elements: &[ElementSetting]) -> Option<usize> {
        let at = self.start + index.checked_sub(self.first)?;
        (elements.get(at)?.index == index).then_some(at)
    }
}

/// One element's names for one setting of its section.
pub(super) struct ElementNames {
    pub(super) name: String,
    pub(super) env: String,
    pub(super) file_env: Option<String>,
    pub(super) rest: &'static str,
}

impl ElementNames {
    pub(super) fn of(el: &InElement<'_>, field: &'static FieldSchema) -> Self {
        let rest = field
            .name()
            .get(el.section.len() + 1..)
            .unwrap_or(field.name());
        ElementNames {
            name: format!("{}.{rest}", el.at.shown),
            env: field.env().replacen(el.mark, &el.at.env_part, 1),
            file_env: field
                .file_env()
                .map(|f| f.replacen(el.mark, &el.at.env_part, 1)),
            rest,
        }
    }

    pub(super) fn key<'k, 's>(
        &'k self,
        field: &'static FieldSchema,
        el: &'k InElement<'s>,
    ) -> Key<'k, 's> {
        Key {
            field,
            element: Some(ElementKey {
                name: &self.name,
                env: &self.env,
                file_env: self.file_env.as_deref(),
                rest: self.rest,
                tables: &el.at.tables,
                vars: el.vars,
            }),
        }
    }
}

impl FieldReader<'_> {
    /// The record of the setting at flat `index`: the element's copy of it
    /// while an element is resolved.
    pub(super) fn record_mut(&mut self, index: usize) -> &mut SettingRecord {
        let Some(el) = &self.element else {
            return &mut self.records[index];
        };
        let start = el.start;
        let found = el.slot(index, &self.elements).or_else(|| {
            self.elements[start..]
                .iter()
                .position(|e| e.index == index)
                .map(|at| start + at)
        });
        let at = match found {
            Some(at) => at,
            None => {
                // A setting outside the element's section: not expected,
                // recorded with the element all the same.
                let field = &self.schema.fields()[index];
                let names = ElementNames::of(el, field);
                self.elements.push(ElementSetting::new(
                    &[&names.name],
                    &[&names.env],
                    field,
                    index,
                ));
                self.elements.len() - 1
            }
        };
        &mut self.elements[at].record
    }

    /// The record of the setting at flat `index` (see [`Self::record_mut`]).
    pub(super) fn record(&self, index: usize) -> Option<&SettingRecord> {
        match &self.element {
            None => self.records.get(index),
            Some(el) => self.elements[el.start..]
                .iter()
                .find(|e| e.index == index)
                .map(|e| &e.record),
        }
    }

    /// The setting at flat `index` by name, env var and how to set it: the
    /// element's copy while an element is resolved.
    pub(super) fn names_of(&self, index: usize) -> (String, String, String) {
        let field = &self.schema.fields()[index];
        match &self.element {
            None => (
                field.name().to_owned(),
                field.env().to_owned(),
                field.how_to_set(),
            ),
            Some(el) => {
                let names = ElementNames::of(el, field);
                let how = names.key(field, el).how_to_set();
                (names.name, names.env, how)
            }
        }
    }

    /// A path of the schema (`upstreams.tls`) as shown: the element's
    /// (`upstreams[1].tls`) while an element is resolved.
    pub(super) fn shown_path(&self, path: &str) -> String {
        match &self.element {
            Some(el) if path.starts_with(el.section) => {
                format!("{}{}", el.at.shown, &path[el.section.len()..])
            }
            _ => path.to_owned(),
        }
    }
}
