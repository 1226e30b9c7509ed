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

impl<'a> InElement<'a> {
    /// Where the record of the setting at flat `index` is in `elements`.
    pub(super) fn slot(&self, index: usize, elements: &[ElementSetting]) -> Option<usize> {
        let at = self.start + index.checked_sub(self.first)?;
        (elements.get(at)?.index == index).then_some(at)
    }

    /// A secret's `NAME_FILE` variable for this element
    /// (`ORDERS_UPSTREAMS_1_TOKEN_FILE`); `None` for other settings.
    pub(super) fn file_env(&self, field: &FieldSchema) -> Option<String> {
        field
            .file_env()
            .map(|f| f.replacen(self.mark, &self.at.env_part, 1))
    }

    /// What the element's copy of `field` is looked up by: the names in
    /// its record (made on entering the element), its key in the
    /// element's tables, and `file_env` (from [`Self::file_env`]).
    pub(super) fn key<'k>(
        &'k self,
        field: &'static FieldSchema,
        setting: &'k ElementSetting,
        file_env: Option<&'k str>,
    ) -> Key<'k, 'a> {
        Key {
            field,
            element: Some(ElementKey {
                name: setting.path(),
                env: setting.env(),
                file_env,
                rest: field
                    .name()
                    .get(self.section.len() + 1..)
                    .unwrap_or(field.name()),
                tables: &self.at.tables,
                vars: self.vars,
            }),
        }
    }
}

impl FieldReader<'_> {
    /// The record of the setting at flat `index`: the element's copy of it
    /// while an element is resolved (every setting of the element's
    /// section has one from when the element was entered).
    pub(super) fn record_mut(&mut self, index: usize) -> &mut SettingRecord {
        match self
            .element
            .as_ref()
            .and_then(|el| el.slot(index, &self.elements))
        {
            Some(at) => &mut self.elements[at].record,
            None => &mut self.records[index],
        }
    }

    /// The record of the setting at flat `index` (see [`Self::record_mut`]).
    pub(super) fn record(&self, index: usize) -> Option<&SettingRecord> {
        match self
            .element
            .as_ref()
            .and_then(|el| el.slot(index, &self.elements))
        {
            Some(at) => Some(&self.elements[at].record),
            None => self.records.get(index),
        }
    }

    /// The setting at flat `index` by name, env var and how to set it: the
    /// element's copy while an element is resolved.
    pub(super) fn names_of(&self, index: usize) -> (String, String, String) {
        let field = &self.schema.fields()[index];
        if let Some(el) = &self.element
            && let Some(at) = el.slot(index, &self.elements)
        {
            let setting = &self.elements[at];
            let file_env = el.file_env(field);
            let how = el.key(field, setting, file_env.as_deref()).how_to_set();
            return (setting.path().to_owned(), setting.env().to_owned(), how);
        }
        (
            field.name().to_owned(),
            field.env().to_owned(),
            field.how_to_set(),
        )
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
