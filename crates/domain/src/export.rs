//! How an export writes CSV: RFC 4180 records (the dialect `import` reads, so an exported file
//! can be imported again), with text cells that a spreadsheet would run as a formula defused.

/// Whether a cell holds text typed by a person or a value Baton formatted (a number, a date,
/// an id, an enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Text,
    Value,
}

/// The byte-order mark an export starts with, so that spreadsheet programs read it as UTF-8
/// (a company name in Chinese would otherwise come out garbled).
pub const BOM: &str = "\u{feff}";

/// One cell as it goes into the file. A text cell starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'`: spreadsheets would otherwise evaluate it (OWASP's CSV
/// injection), and a company called `=HYPERLINK(…)` is somebody's attack, not a name.
pub fn cell(kind: Cell, value: &str) -> String {
    let defused = kind == Cell::Text && value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let value = if defused { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One record, ended with CRLF as RFC 4180 has it.
pub fn record<'a>(cells: impl IntoIterator<Item = (Cell, &'a str)>) -> String {
    let mut line = cells.into_iter().map(|(k, v)| cell(k, v)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_they_must_be_and_formulas_are_defused() {
        let table = [
            (Cell::Text, "Acme Retail", "Acme Retail"),
            (Cell::Text, "Acme, Inc.", "\"Acme, Inc.\""),
            (Cell::Text, "the \"best\" shop", "\"the \"\"best\"\" shop\""),
            (Cell::Text, "two\nlines", "\"two\nlines\""),
            (Cell::Text, " padded", "\" padded\""),
            (Cell::Text, "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            (Cell::Text, "+1 555 0100", "'+1 555 0100"),
            (Cell::Text, "-5", "'-5"),
            (Cell::Text, "@sum", "'@sum"),
            (Cell::Value, "-5.00", "-5.00"),
            (Cell::Text, "北京贸易", "北京贸易"),
            (Cell::Text, "", ""),
        ];
        for (kind, input, want) in table {
            assert_eq!(cell(kind, input), want, "{input:?}");
        }
    }

    #[test]
    fn a_record_reads_back_with_the_import_reader() {
        let line = record([(Cell::Text, "Acme, Inc."), (Cell::Text, "say \"hi\""), (Cell::Value, "3")]);
        assert!(line.ends_with("\r\n"));
        let table = crate::import::read(&format!("a,b,c\r\n{line}"), b',').unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(table.rows[0].cells, vec!["Acme, Inc.", "say \"hi\"", "3"]);
    }
}
