//! `nested`: the keys that may go with it, and the types a repeated
//! section may have (a list of sections, a map keyed by `String`).

use crate::ast::Field;
use crate::ctxt::Ctxt;

/// `nested` takes a section; keys that describe one value belong on the
/// section's own fields (only `env`, which renames the section's part of
/// the variable names, goes with it).
pub(super) fn check_nested(cx: &mut Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    if attrs.nested.is_none() {
        return;
    }
    let others = [
        ("environment", attrs.environment),
        ("instance_id", attrs.instance_id),
        ("detect", attrs.detect.as_ref().map(|l| l.key)),
        ("strict", attrs.strict),
        ("default", attrs.default.as_ref().map(|(span, _)| *span)),
        ("secret", attrs.secret),
        ("required_in", attrs.required_in.as_ref().map(|l| l.key)),
        ("forbidden_in", attrs.forbidden_in.as_ref().map(|l| l.key)),
        ("names", attrs.names.as_ref().map(|(span, _)| *span)),
    ];
    for (key, span) in others {
        if let Some(span) = span {
            cx.error_at(
                span,
                format!("`{key}` cannot go with `nested`: put it on the fields inside the section"),
            );
        }
    }
    if let Some(alias) = attrs.aliases.first() {
        cx.error_spanned_by(
            alias,
            "`alias` cannot go with `nested`: a section is not one variable; put `alias` on the fields inside it",
        );
    }
    check_repeated(cx, field);
}

/// A repeated section's type: a list of sections (not of plain values),
/// a map keyed by `String`.
fn check_repeated(cx: &mut Ctxt, field: &Field<'_>) {
    let ty = &field.original.ty;
    if let Some(key) = crate::ty::map_key(ty)
        && !crate::ty::is(key, "String")
    {
        cx.error_spanned_by(
            key,
            format!(
                "a map of sections is keyed by `String` (each key names a table, `[{}.<name>]`), not by `{}`",
                field.ident,
                crate::ty::display(key)
            ),
        );
    }
    if let Some(item) = crate::ty::inner(ty, "Vec")
        && (crate::ty::primitive(item).is_some() || crate::ty::is(item, "String"))
    {
        cx.error_spanned_by(
            ty,
            format!(
                "`{}` is a list of plain values, not of sections: remove `nested` (a list reads `a,b,c` or a JSON array from one variable)",
                crate::ty::display(ty)
            ),
        );
    }
}
