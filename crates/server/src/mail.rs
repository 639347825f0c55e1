//! Outgoing e-mail over SMTP with `lettre`: the [`Sender`] that `app`'s outbox delivers through
//! when a relay is configured (`BATON_SMTP_URL`, else `BATON_SMTP_ADDR`).

use baton_app::marketing::automation::Sender;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::client::Tls;
use std::time::Duration;

/// How long one SMTP command (and the connection) may take before the attempt fails.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a relay setting cannot be used. Its text never contains the password.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Not a URL lettre understands.
    #[error(
        "not a usable SMTP URL ({0}); expected smtp://host:25, smtp://user:pass@host:587?tls=required or smtps://user:pass@host:465"
    )]
    Url(String),
    /// Not `host:port`.
    #[error("not host:port ({0})")]
    Addr(String),
    /// The sender address does not parse as a mailbox.
    #[error("not an e-mail address ({0})")]
    From(String),
}

/// Sends each e-mail through an SMTP relay, one connection per message, with lettre's blocking
/// transport (the outbox calls it from a blocking task, holding no transaction). Its `Debug`
/// shows the relay, never the credentials.
#[derive(Clone)]
pub struct SmtpSender {
    transport: SmtpTransport,
    from: Mailbox,
    relay: String,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender").field("relay", &self.relay).field("from", &self.from.to_string()).finish()
    }
}

impl SmtpSender {
    /// A relay in lettre's URL form: `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS, refused if the relay does not offer it) or `smtps://user:pass@host:465`
    /// (implicit TLS); certificates are checked against the platform's trust store.
    pub fn from_url(url: &str, from: &str) -> Result<SmtpSender, RelayError> {
        let builder = SmtpTransport::from_url(url).map_err(|e| RelayError::Url(e.to_string()))?;
        let transport = builder.timeout(Some(TIMEOUT)).build();
        Ok(SmtpSender { relay: describe(url), transport, from: mailbox(from)? })
    }

    /// A plain-SMTP relay at `host:port` (a local MTA or an internal relay that handles TLS and
    /// authentication onwards); the host may be a name or an address (`[::1]:25` for IPv6).
    pub fn plain(addr: &str, from: &str) -> Result<SmtpSender, RelayError> {
        let (host, port) = addr.rsplit_once(':').ok_or_else(|| RelayError::Addr("no port".into()))?;
        let port: u16 = port.parse().map_err(|_| RelayError::Addr(format!("bad port {port:?}")))?;
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(RelayError::Addr(format!("bad host {host:?}")));
        }
        let transport = SmtpTransport::builder_dangerous(host).port(port).tls(Tls::None).timeout(Some(TIMEOUT)).build();
        Ok(SmtpSender { relay: format!("smtp://{addr}"), transport, from: mailbox(from)? })
    }

    /// The relay without credentials, for the log.
    pub fn relay(&self) -> &str {
        &self.relay
    }
}

impl Sender for SmtpSender {
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        if to.contains(['\r', '\n']) || subject.contains(['\r', '\n']) {
            return Err("refusing a header with a line break".into());
        }
        let to: Mailbox = to.parse().map_err(|e| format!("recipient address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("building the e-mail: {e}"))?;
        lettre::Transport::send(&self.transport, &message).map(drop).map_err(|e| format!("smtp: {e}"))
    }
}

fn mailbox(from: &str) -> Result<Mailbox, RelayError> {
    from.parse().map_err(|e: lettre::address::AddressError| RelayError::From(e.to_string()))
}

/// `scheme://host:port?query` of a relay URL: the user name and password left out.
fn describe(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("smtp", url));
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{rest}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn relay_settings_parse_or_say_why_without_the_password() {
        for url in [
            "smtp://mail.example.com:25",
            "smtp://u:secret@mail.example.com:587?tls=required",
            "smtps://u:secret@mail.example.com",
        ] {
            let s = SmtpSender::from_url(url, "baton@localhost").unwrap();
            assert!(!s.relay().contains("secret") && !format!("{s:?}").contains("secret"), "{s:?}");
        }
        assert_eq!(
            SmtpSender::from_url("smtps://u:secret@mail.example.com:465", "a@b.test").unwrap().relay(),
            "smtps://mail.example.com:465"
        );
        for bad in [
            "mail.example.com:25",
            "http://u:secret@mail.example.com",
            "smtp://u:secret@mail.example.com?tls=maybe",
            "smtp://u:secret@:25",
        ] {
            let e = SmtpSender::from_url(bad, "baton@localhost").unwrap_err().to_string();
            assert!(e.contains("not a usable SMTP URL") && !e.contains("secret"), "{bad}: {e}");
        }
        assert!(SmtpSender::plain("mail.internal:2525", "baton@localhost").is_ok(), "host names are allowed");
        assert!(SmtpSender::plain("[::1]:25", "baton@localhost").is_ok());
        assert!(SmtpSender::plain("mail.internal", "baton@localhost").is_err());
        assert!(SmtpSender::plain("mail.internal:smtp", "baton@localhost").is_err());
        assert!(matches!(SmtpSender::plain("127.0.0.1:25", "not an address"), Err(RelayError::From(_))));
    }
}
