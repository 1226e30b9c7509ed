//! Where in a file a finding points: `file:line:column`, and the line as
//! shown under the finding with a caret under the value (secrets masked).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A place in a settings file (config file or `.env`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub(crate) path: Arc<Path>,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) excerpt: Option<Excerpt>,
}

/// The part of the line shown, and where the caret goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Excerpt {
    /// Printable text: control characters are shown as `?`, tabs as spaces.
    pub(crate) text: String,
    /// Characters before the caret.
    pub(crate) caret: usize,
    /// Characters the caret underlines (at least 1).
    pub(crate) width: usize,
}

impl Location {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The line, from 1.
    pub fn line(&self) -> usize {
        self.line
    }
    /// The column, from 1, in characters.
    pub fn column(&self) -> usize {
        self.column
    }
    /// The part of the line shown under the finding (a secret's value is
    /// `***`, and what follows the value on the line is left out), with a
    /// second line holding the caret; `None` where no line is shown (a
    /// syntax error: the line may hold a secret cut short).
    pub fn excerpt(&self) -> Option<String> {
        self.excerpt.as_ref().map(|e| {
            format!(
                "{}\n{}{}",
                e.text,
                " ".repeat(e.caret),
                "^".repeat(e.width.max(1))
            )
        })
    }

    /// The block under a finding: the place, then the line with its caret.
    pub(crate) fn write_block(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n    at:      {self}")?;
        if let Some(e) = &self.excerpt {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            write!(f, "\n             {number} | {}", e.text)?;
            write!(
                f,
                "\n             {pad} | {}{}",
                " ".repeat(e.caret),
                "^".repeat(e.width.max(1))
            )?;
        }
        Ok(())
    }
}

/// `path:line:column`.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            crate::text::printable_name(&self.path.display().to_string()),
            self.line,
            self.column
        )
    }
}
