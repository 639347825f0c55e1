//! Parsed text inputs: e-mail addresses, names and free text within the API's length limits.

/// Longest accepted name, title or e-mail address, in characters.
pub const SHORT_TEXT_MAX: usize = 200;
/// Longest accepted free text (notes, reports, pain points), in characters.
pub const LONG_TEXT_MAX: usize = 10_000;

/// Why a text input was refused. The API adds the field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("is not a valid e-mail address")]
    BadEmail,
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("must be an ISO 3166-1 alpha-2 country code such as DE or CN")]
    BadJurisdiction,
}

/// A data-residency jurisdiction: an ISO 3166-1 alpha-2 code, upper-cased (`de` -> `DE`).
pub fn jurisdiction(s: &str) -> Result<String, TextError> {
    let t = s.trim().to_ascii_uppercase();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()) { Ok(t) } else { Err(TextError::BadJurisdiction) }
}

/// The jurisdictions whose law (China's PIPL) needs a recorded basis before personal data of
/// their subjects leaves them.
pub const PIPL_JURISDICTIONS: [&str; 1] = ["CN"];

/// A required short text (a name or title), trimmed, not empty, at most 200 characters.
pub fn required_short(s: &str) -> Result<String, TextError> {
    required(s, SHORT_TEXT_MAX)
}

/// A required long text (a reason or report), trimmed, not empty, at most 10,000 characters.
pub fn required_long(s: &str) -> Result<String, TextError> {
    required(s, LONG_TEXT_MAX)
}

/// An optional text: absent or blank becomes `None`; over-long is refused, and so are control
/// characters (NUL and friends; long texts may contain line breaks and tabs).
pub fn optional(s: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > max => Err(TextError::TooLong(max)),
        Some(t) if t.chars().any(|c| c.is_control() && !(max > SHORT_TEXT_MAX && matches!(c, '\n' | '\r' | '\t'))) => {
            Err(TextError::ControlCharacter)
        }
        Some(t) => Ok(Some(t.to_owned())),
    }
}

fn required(s: &str, max: usize) -> Result<String, TextError> {
    optional(Some(s), max)?.ok_or(TextError::Empty)
}

/// A syntactically valid e-mail address, stored lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld`: one `@`, a non-empty local part without spaces, and a
    /// domain with a dot, no empty labels and only letters, digits and hyphens.
    pub fn parse(s: &str) -> Result<Email, TextError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(TextError::Empty);
        }
        if s.chars().count() > SHORT_TEXT_MAX {
            return Err(TextError::TooLong(SHORT_TEXT_MAX));
        }
        let (local, domain) = s.split_once('@').ok_or(TextError::BadEmail)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.chars().all(|c| c.is_ascii_graphic() && c != '@' && c != '"');
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok { Ok(Email(s.to_ascii_lowercase())) } else { Err(TextError::BadEmail) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`, used to spot leads from the same company.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// E-mail domains of free mail providers: two leads sharing one are not the same company.
pub fn is_free_mail_domain(domain: &str) -> bool {
    const FREE: [&str; 10] = [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "icloud.com",
        "qq.com",
        "163.com",
        "gmx.de",
        "proton.me",
    ];
    FREE.contains(&domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_are_parsed_not_validated() {
        let table = [
            ("ann@example.com", true),
            ("  Ann@Example.COM ", true),
            ("a.b+c@sub.example.co.uk", true),
            ("", false),
            ("ann", false),
            ("ann@", false),
            ("@example.com", false),
            ("ann@example", false),
            ("ann@exa mple.com", false),
            ("ann@@example.com", false),
            ("ann@-example.com", false),
            ("ann@example..com", false),
        ];
        for (input, ok) in table {
            assert_eq!(Email::parse(input).is_ok(), ok, "{input:?}");
        }
        assert_eq!(Email::parse(" Ann@Example.COM").map(|e| e.domain().to_owned()), Ok("example.com".into()));
    }

    #[test]
    fn text_limits_count_characters_and_trim() {
        assert_eq!(required_short("  x "), Ok("x".into()));
        assert_eq!(required_short("   "), Err(TextError::Empty));
        assert!(required_short(&"é".repeat(200)).is_ok());
        assert_eq!(required_short(&"é".repeat(201)), Err(TextError::TooLong(200)));
        assert_eq!(optional(Some("  "), 10), Ok(None));
        assert_eq!(optional(None, 10), Ok(None));
        assert!(required_long(&"a".repeat(10_001)).is_err());
        assert_eq!(required_short("Nul\0Co"), Err(TextError::ControlCharacter));
        assert_eq!(required_short("two\nlines"), Err(TextError::ControlCharacter));
        assert_eq!(required_long("two\nlines\tok"), Ok("two\nlines\tok".into()));
        assert_eq!(required_long("bell\u{7}"), Err(TextError::ControlCharacter));
    }
}
