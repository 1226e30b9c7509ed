//! A TOML file, read into the loader's table: toml's borrowed parse
//! (`DeTable`, which keeps every key and string in place) turned into an
//! owned `toml::Table` directly. Going through serde's visitor
//! (`str::parse::<toml::Table>`) did the same work in more steps: on the
//! repeated-sections bench's file of 200 sections the table cost 1.5x the
//! borrowed parse alone that way, about 1.3x this way.

use toml::de::{DeTable, DeValue};
use toml::{Spanned, Table, Value};

use super::at_offset;

/// The file's table; the error says where and why.
pub(super) fn table(text: &str) -> Result<Table, String> {
    let document = DeTable::parse(text).map_err(|e| {
        let at = e
            .span()
            .map(|span| at_offset(text, span.start))
            .unwrap_or_default();
        format!("{at}: {}", e.message().trim_end())
    })?;
    owned_table(text, document.into_inner())
}

// The two below recurse as deep as the document nests: toml's parser
// refuses a document nested deeper than 80 tables and arrays (tested).

fn owned_table(text: &str, table: DeTable<'_>) -> Result<Table, String> {
    // A small table (a section's few settings) is inserted key by key; a
    // large one (a map of sections) is collected, as a B-tree built from
    // sorted keys (they come sorted) needs no search per key.
    if table.len() <= 8 {
        let mut owned = Table::new();
        for (key, value) in table {
            owned.insert(key.into_inner().into_owned(), owned_value(text, value)?);
        }
        return Ok(owned);
    }
    table
        .into_iter()
        .map(|(key, value)| Ok((key.into_inner().into_owned(), owned_value(text, value)?)))
        .collect()
}

fn owned_value(text: &str, value: Spanned<DeValue<'_>>) -> Result<Value, String> {
    let span = value.span();
    let wrong = |why: &str| format!("{}: {why}", at_offset(text, span.start));
    Ok(match value.into_inner() {
        DeValue::String(string) => Value::String(string.into_owned()),
        DeValue::Integer(integer) => Value::Integer(
            i64::from_str_radix(integer.as_str(), integer.radix())
                .map_err(|_| wrong("the integer is out of range (from -2^63 to 2^63 - 1)"))?,
        ),
        DeValue::Float(float) => Value::Float(
            float
                .as_str()
                .parse::<f64>()
                .ok()
                .filter(|f| !f.is_infinite() || float.as_str().contains("inf"))
                .ok_or_else(|| wrong("the float is out of range"))?,
        ),
        DeValue::Boolean(boolean) => Value::Boolean(boolean),
        DeValue::Datetime(datetime) => Value::Datetime(datetime),
        DeValue::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| owned_value(text, item))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(table) => Value::Table(owned_table(text, table)?),
    })
}

#[cfg(test)]
mod tests {
    use super::table;

    #[test]
    fn every_kind_of_value_is_read_as_toml_reads_it() {
        let text = "s = \"a\\tb\"\nlit = 'c:\\\\x'\ni = 0x1f\no = 0o17\nb = 0b101\nneg = -9_223_372_036_854_775_808\n\
                    f = 1.5e3\ninf = -inf\nyes = true\nwhen = 1979-05-27T07:32:00Z\n\
                    list = [1, [2, \"x\"]]\ninline = { a = { b = 1 } }\ndotted.key = 2\n\
                    [section]\nx = 1\n[[items]]\ny = 1\n[[items]]\ny = 2\n";
        let expected: toml::Table = text.parse().unwrap();
        assert_eq!(table(text).unwrap(), expected);
    }

    #[test]
    fn out_of_range_numbers_are_errors_with_their_place() {
        let why = table("a = 1\nbig = 9_223_372_036_854_775_808\n").unwrap_err();
        assert_eq!(
            why,
            " at line 2, column 7: the integer is out of range (from -2^63 to 2^63 - 1)"
        );
        let why = table("huge = 1e400\n").unwrap_err();
        assert_eq!(why, " at line 1, column 8: the float is out of range");
    }

    #[test]
    fn nesting_is_bounded_by_the_parser_for_dotted_keys_headers_and_arrays() {
        let keys = vec!["k"; 100_000].join(".");
        for deep in [
            format!("{keys} = 1\n"),
            format!("[{keys}]\n"),
            format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
            format!("a = {}{}\n", "{ b = ".repeat(100_000), "}".repeat(100_000)),
        ] {
            let why = table(&deep).unwrap_err();
            assert!(why.contains("recursion"), "{why}");
        }
        let fine = format!("{} = 1\n", vec!["k"; 70].join("."));
        assert!(table(&fine).is_ok());
    }

    #[test]
    fn syntax_errors_say_where() {
        let why = table("a = 1\nb = \n").unwrap_err();
        assert!(why.starts_with(" at line 2, column "), "{why}");
    }
}
