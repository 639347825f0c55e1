//! Reading an import file: its encoding, its CSV table, and which column feeds which field.
//!
//! Everything here is pure: the application layer hands in the text the client sent and gets
//! back rows whose cells are looked up by field name, or an explanation naming the row and the
//! field. What a cell means (an e-mail address, a company size) is decided by the use case each
//! row goes through, exactly as for a row created by hand.

use crate::lead::string_enum;
use base64::Engine as _;

string_enum!(
    /// What an import creates.
    ImportKind { Leads = "LEADS", Contacts = "CONTACTS", Accounts = "ACCOUNTS" }
);

string_enum!(
    /// How the file's bytes arrive in the GraphQL string: `UTF8`, the file's text (with or
    /// without a byte-order mark); `GBK`, the base64 of the file's bytes in GBK (read as
    /// GB 18030, its superset, which is what Chinese spreadsheets save as "CSV").
    Encoding { Utf8 = "UTF8", Gbk = "GBK" }
);

string_enum!(
    /// What to do with a row whose record already exists (same e-mail address or company domain).
    DuplicatePolicy { Skip = "SKIP", Update = "UPDATE", CreateAnyway = "CREATE_ANYWAY" }
);

string_enum!(
    /// Whether one bad row stops the whole file: `ALL_OR_NOTHING` writes nothing unless every
    /// row is good; `PER_ROW` writes every good row and reports the bad ones.
    CommitMode { AllOrNothing = "ALL_OR_NOTHING", PerRow = "PER_ROW" }
);

string_enum!(
    /// Where an import job stands.
    JobStatus { Running = "RUNNING", Completed = "COMPLETED", Failed = "FAILED" }
);

/// The fields each kind of import can fill, in the spelling of the single-row mutation's input.
pub fn fields(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Leads => &[
            "companyName",
            "contactName",
            "contactEmail",
            "contactPhone",
            "industry",
            "companySize",
            "source",
            "painPoints",
            "jurisdiction",
            "consent",
        ],
        ImportKind::Contacts => {
            &["accountId", "accountDomain", "name", "email", "phone", "role", "decisionMaker", "jurisdiction"]
        }
        ImportKind::Accounts => &["name", "domain", "industry", "companySize", "accountExecutiveEmail"],
    }
}

/// The fields a file must map for each kind (contacts also need their account, by id or domain,
/// unless the mapping names one for every row).
fn required(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Leads => &["companyName", "contactName"],
        ImportKind::Contacts => &["name"],
        ImportKind::Accounts => &["name"],
    }
}

/// A problem with the file as a whole, or with one of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row as a spreadsheet numbers it: the header is row 1, the first record row 2; 0 is
    /// the file itself.
    pub row: u64,
    /// The field (or `csv`, `mapping` for the file) the problem is in.
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(row: u64, field: impl Into<String>, message: impl Into<String>) -> Self {
        RowError { row, field: field.into(), message: message.into() }
    }
}

/// The text of the file, from what the client sent.
pub fn decode(input: &str, encoding: Encoding) -> Result<String, RowError> {
    let text = match encoding {
        Encoding::Utf8 => input.to_owned(),
        Encoding::Gbk => {
            let compact: String = input.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()).map_err(|_| {
                RowError::new(0, "csv", "is not base64 (a GBK file is sent as the base64 of its bytes)")
            })?;
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
            if had_errors {
                return Err(RowError::new(0, "csv", "is not valid GBK text"));
            }
            text.into_owned()
        }
    };
    Ok(text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text))
}

/// One record of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its spreadsheet row number (see [`RowError::row`]).
    pub number: u64,
    pub cells: Vec<String>,
}

/// The file as a table: its header, its records, and the records that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub errors: Vec<RowError>,
}

/// Reads CSV as Excel writes it: fields in double quotes may hold the delimiter, line breaks
/// and doubled quotes; lines end in CRLF or LF; blank lines are skipped. A record with fewer
/// cells than the header has the missing ones empty; one with more is an error of that row.
/// Only a file without a readable header is an error as a whole.
pub fn read(text: &str, delimiter: u8) -> Result<Table, RowError> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let headers: Vec<String> = match reader.read_record(&mut record) {
        Ok(true) => record.iter().map(|c| c.trim().to_owned()).collect(),
        Ok(false) => return Err(RowError::new(0, "csv", "is empty: the first row must name the columns")),
        Err(e) => return Err(RowError::new(1, "csv", format!("cannot be read: {}", csv_reason(&e)))),
    };
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    // The reader skips blank lines, which a spreadsheet shows as empty rows, as part of the
    // record after them: count them from the lines a record took beyond those its cells span
    // (a quoted cell may hold line breaks and is still one row).
    let mut number = 1u64;
    loop {
        let before = reader.position().line();
        let result = reader.read_record(&mut record);
        let took = reader.position().line().saturating_sub(before);
        match result {
            Ok(false) => break,
            Ok(true) => {
                let spans = 1 + record.iter().map(|c| c.matches('\n').count() as u64).sum::<u64>();
                number += 1 + took.saturating_sub(spans);
                if record.iter().all(|c| c.trim().is_empty()) {
                } else if record.len() > headers.len() {
                    errors.push(RowError::new(
                        number,
                        "csv",
                        format!("has {} cells but the header names {} columns", record.len(), headers.len()),
                    ));
                } else {
                    rows.push(Row { number, cells: record.iter().map(str::to_owned).collect() });
                }
            }
            Err(e) => {
                number += 1;
                errors.push(RowError::new(number, "csv", format!("cannot be read: {}", csv_reason(&e))));
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    Ok(Table { headers, rows, errors })
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "it is not UTF-8 text".to_owned(),
        _ => "malformed CSV".to_owned(),
    }
}

/// Which column (by position) feeds which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    columns: Vec<(&'static str, usize)>,
}

impl Mapping {
    /// Resolves `(column header, field)` pairs against the file's header: every column must
    /// exist (case and surrounding spaces do not matter), every field must be one the kind
    /// fills, no field may be fed twice, and the kind's required fields must be fed.
    pub fn resolve(kind: ImportKind, headers: &[String], pairs: &[(String, String)]) -> Result<Mapping, Vec<String>> {
        let known = fields(kind);
        let mut problems = Vec::new();
        let mut columns: Vec<(&'static str, usize)> = Vec::new();
        for (column, field) in pairs {
            let Some(f) = known.iter().copied().find(|k| *k == field.trim()) else {
                problems.push(format!("`{field}` is not a field of this import; use one of {}", known.join(", ")));
                continue;
            };
            let wanted = column.trim().to_lowercase();
            let Some(pos) = headers.iter().position(|h| h.to_lowercase() == wanted) else {
                problems.push(format!("the file has no column `{column}` (its columns: {})", headers.join(", ")));
                continue;
            };
            if columns.iter().any(|(g, _)| *g == f) {
                problems.push(format!("`{f}` is fed by more than one column"));
                continue;
            }
            columns.push((f, pos));
        }
        for r in required(kind) {
            if !columns.iter().any(|(f, _)| f == r) && !problems.iter().any(|p| p.contains(&format!("`{r}`"))) {
                problems.push(format!("`{r}` must be fed by a column"));
            }
        }
        if problems.is_empty() { Ok(Mapping { columns }) } else { Err(problems) }
    }

    /// True when some column feeds the field.
    pub fn maps(&self, field: &str) -> bool {
        self.columns.iter().any(|(f, _)| *f == field)
    }

    /// The row's cell for a field, trimmed; `None` when no column feeds it or the cell is blank.
    pub fn get<'r>(&self, row: &'r Row, field: &str) -> Option<&'r str> {
        let (_, pos) = self.columns.iter().find(|(f, _)| *f == field)?;
        row.cells.get(*pos).map(|c| c.trim()).filter(|c| !c.is_empty())
    }
}

/// Reads a yes/no cell (a consent column, a decision-maker flag): yes, y, true, 1, x, 是 and
/// their opposites; a blank cell is no. Anything else is `None`.
pub fn yes_no(cell: Option<&str>) -> Option<bool> {
    match cell.map(|c| c.trim().to_lowercase()).as_deref() {
        None | Some("") => Some(false),
        Some("yes" | "y" | "true" | "1" | "x" | "是" | "同意") => Some(true),
        Some("no" | "n" | "false" | "0" | "否" | "不同意") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        read(text, b',').unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn a_utf8_file_with_a_byte_order_mark_reads_like_one_without() {
        let with = decode("\u{feff}Company,Name\r\nAcme,Ann\r\n", Encoding::Utf8).unwrap_or_default();
        let without = decode("Company,Name\nAcme,Ann\n", Encoding::Utf8).unwrap_or_default();
        assert_eq!(table(&with), table(&without));
        assert_eq!(table(&with).headers, vec!["Company", "Name"]);
    }

    #[test]
    fn excel_quoting_keeps_commas_quotes_and_line_breaks_inside_a_cell() {
        let t = table("Company,Notes\n\"Acme, Inc.\",\"said \"\"call me\"\"\nnext week\"\nBeta,\n");
        assert_eq!(t.rows[0].cells, vec!["Acme, Inc.", "said \"call me\"\nnext week"]);
        // The record after a two-line cell is still the spreadsheet's row 3.
        assert_eq!(t.rows[1].number, 3);
    }

    #[test]
    fn gbk_arrives_as_base64_and_reads_as_text() {
        let (bytes, _, _) = encoding_rs::GBK.encode("公司,联系人\n阿里巴巴,张伟\n");
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let t = table(&decode(&b64, Encoding::Gbk).unwrap_or_default());
        assert_eq!(t.headers, vec!["公司", "联系人"]);
        assert_eq!(t.rows[0].cells, vec!["阿里巴巴", "张伟"]);
        assert_eq!(decode("not base64!", Encoding::Gbk).map_err(|e| e.field), Err("csv".to_owned()));
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_numbers_them_and_blank_lines_are_skipped() {
        let t = table("A,B\r\n1,2\r\n\r\n3,4\r\n\"x\r\ny\",2\r\n5,6");
        assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), vec![2, 4, 5, 6]);
        let t = table("A,B\n1,2,3\n4,5\n");
        assert_eq!(t.errors, vec![RowError::new(2, "csv", "has 3 cells but the header names 2 columns")]);
        assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), vec![3]);
        assert_eq!(read("", b',').err().map(|e| e.row), Some(0));
    }

    #[test]
    fn a_mapping_names_every_problem_at_once() {
        let headers = vec!["Company".to_owned(), "E-mail".to_owned()];
        let pairs = vec![
            ("company ".to_owned(), "companyName".to_owned()),
            ("Phone".to_owned(), "contactPhone".to_owned()),
            ("E-mail".to_owned(), "shoeSize".to_owned()),
        ];
        let problems = Mapping::resolve(ImportKind::Leads, &headers, &pairs).err().unwrap_or_default();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("no column `Phone`"));
        assert!(problems[1].contains("`shoeSize`"));
        assert!(problems[2].contains("`contactName` must be fed"));
    }

    #[test]
    fn cells_are_found_by_field_and_blank_cells_are_absent() {
        let headers = vec!["Company".to_owned(), "Contact".to_owned()];
        let pairs =
            vec![("Company".to_owned(), "companyName".to_owned()), ("Contact".to_owned(), "contactName".to_owned())];
        let m = Mapping::resolve(ImportKind::Leads, &headers, &pairs).unwrap_or_else(|e| panic!("{e:?}"));
        let row = Row { number: 2, cells: vec![" Acme ".to_owned()] };
        assert_eq!(m.get(&row, "companyName"), Some("Acme"));
        assert_eq!(m.get(&row, "contactName"), None);
        assert!(!m.maps("industry"));
    }

    #[test]
    fn yes_no_cells() {
        for (cell, want) in [
            (Some("Yes"), Some(true)),
            (Some("是"), Some(true)),
            (Some("0"), Some(false)),
            (None, Some(false)),
            (Some("maybe"), None),
        ] {
            assert_eq!(yes_no(cell), want, "{cell:?}");
        }
    }
}
