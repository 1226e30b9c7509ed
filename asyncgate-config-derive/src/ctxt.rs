//! Collects every error of one derive so they are reported together.

use std::fmt::Display;

use quote::ToTokens;

/// Error sink for one expansion. `check` must be called before it drops:
/// dropping it unchecked panics, so no collected error can be forgotten.
pub(crate) struct Ctxt {
    /// `None` once checked.
    errors: Option<Vec<syn::Error>>,
}

impl Default for Ctxt {
    fn default() -> Self {
        Ctxt {
            errors: Some(Vec::new()),
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("asyncgate-config-derive bug: a Ctxt was dropped without `check()`");
        }
    }
}

impl Ctxt {
    fn push(&mut self, error: syn::Error) {
        self.errors
            .as_mut()
            .expect("errors are collected only before `check()`")
            .push(error);
    }

    /// An error spanned on `tokens`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// An error at `span`.
    pub(crate) fn error_at<M: Display>(&mut self, span: proc_macro2::Span, message: M) {
        self.push(syn::Error::new(span, message));
    }

    /// A `syn` parse error.
    pub(crate) fn syn_error(&mut self, err: syn::Error) {
        self.push(err);
    }

    /// All errors combined into one, or `Ok` when there were none.
    pub(crate) fn check(mut self) -> syn::Result<()> {
        let mut errors = self.errors.take().unwrap_or_default().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for err in errors {
            combined.combine(err);
        }
        Err(combined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "dropped without `check()`")]
    fn dropping_an_unchecked_context_panics() {
        let mut cx = Ctxt::default();
        cx.error_at(proc_macro2::Span::call_site(), "lost");
        drop(cx);
    }

    #[test]
    fn checking_reports_every_error_once() {
        let mut cx = Ctxt::default();
        cx.error_at(proc_macro2::Span::call_site(), "first");
        cx.error_at(proc_macro2::Span::call_site(), "second");
        let err = cx.check().unwrap_err();
        assert_eq!(err.into_iter().count(), 2);
        assert!(Ctxt::default().check().is_ok());
    }
}
