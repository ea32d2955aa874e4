//! From an [`OutgoingMail`] to the bytes on the wire. Everything a message carries is derived
//! from the `OutgoingMail` alone — the `Message-ID`, the `Date` and even the MIME boundary — so
//! building it twice gives the very same bytes, and a retry resends the very same message.

use super::{OutgoingMail, SendError};
use lettre::message::header::{ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// The host part of a Message-ID when the hint gives none.
const DEFAULT_ID_HOST: &str = "permit-followup";

/// Random bytes in a Message-ID: 128 bits, so two digests never share one.
const ID_RANDOM_BYTES: usize = 16;

/// The longest MIME boundary RFC 2046 allows.
const MAX_BOUNDARY_LEN: usize = 70;

/// A fresh Message-ID (without `<>`) for a digest: `digest-ID.RANDOM@HOST`. `host_hint` is a
/// host name or a mail address, whose domain is used; an unusable hint gives `permit-followup`.
/// Store it with the digest before the first attempt, so every retry reuses it.
pub fn new_message_id(digest_id: i64, host_hint: &str) -> String {
    format!("digest-{digest_id}.{}@{}", hex::encode(random_bytes()), id_host(host_hint))
}

/// Random bytes from the OS; should the OS fail us, the clock, the process id and a counter,
/// which still make the id unique to this daemon.
fn random_bytes() -> [u8; ID_RANDOM_BYTES] {
    let mut bytes = [0u8; ID_RANDOM_BYTES];
    if getrandom::fill(&mut bytes).is_err() {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mixed = nanos ^ (u128::from(std::process::id()) << 64) ^ u128::from(count);
        bytes = mixed.to_be_bytes();
    }
    bytes
}

/// The domain of a Message-ID: the hint's part after `@`, reduced to letters, digits, `-` and `.`.
fn id_host(hint: &str) -> String {
    let host = hint.rsplit('@').next().unwrap_or(hint);
    let host: String = host.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.')).collect();
    let host = host.trim_matches('.');
    if host.is_empty() {
        DEFAULT_ID_HOST.to_string()
    } else {
        host.to_string()
    }
}

/// The Message-ID as a file name stem: letters, digits, `.`, `_`, `-` and `@` kept, anything
/// else `_`, no leading dot (no hidden files, no `..`).
pub(super) fn file_stem(message_id: &str) -> String {
    let stem: String = message_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@') { c } else { '_' })
        .collect();
    stem.trim_start_matches('.').to_string()
}

/// The MIME boundary, derived from the Message-ID so that it is the same on every attempt.
/// The bodies never contain the Message-ID, so they never contain the boundary.
fn boundary(message_id: &str) -> String {
    let mut b = format!("=_pf-{}", file_stem(message_id).replace('@', "_"));
    b.truncate(MAX_BOUNDARY_LEN);
    b
}

/// `Auto-Submitted: auto-generated` (RFC 3834), so that vacation responders stay quiet.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

/// How the parts' bodies travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transfer {
    /// The text as it is (see [`unbroken`]): what every current server takes.
    EightBit,
    /// ASCII only, for a server that does not offer 8BITMIME: lettre picks 7bit,
    /// quoted-printable or base64 for each part.
    SevenBit,
}

/// Builds the multipart/alternative message of a mail, its parts in 8bit.
pub(super) fn build(mail: &OutgoingMail) -> Result<Message, SendError> {
    build_as(mail, Transfer::EightBit)
}

/// Builds the multipart/alternative message of a mail, its parts sent as `transfer` says.
pub(super) fn build_as(mail: &OutgoingMail, transfer: Transfer) -> Result<Message, SendError> {
    let invalid = |reason: String| SendError::Invalid { message_id: mail.message_id.clone(), reason };
    check_message_id(&mail.message_id).map_err(invalid)?;
    let from: Mailbox =
        mail.from.parse().map_err(|e| invalid(format!("the From address (mail.from): {e}")))?;
    let mut builder = Message::builder()
        .message_id(Some(format!("<{}>", mail.message_id)))
        .date(SystemTime::from(mail.date))
        .from(from)
        .subject(mail.subject.as_str())
        .header(AutoSubmitted);
    if mail.to.is_empty() {
        return Err(invalid("no recipient".to_string()));
    }
    for (i, to) in mail.to.iter().enumerate() {
        // The address itself stays out of the message: errors end up in logs.
        let to: Mailbox =
            to.parse().map_err(|e| invalid(format!("recipient {} of {}: {e}", i + 1, mail.to.len())))?;
        builder = builder.to(to);
    }
    let part = |text: &str| match transfer {
        Transfer::EightBit => unbroken(text),
        Transfer::SevenBit => Body::new(crlf(text)),
    };
    let body = MultiPart::alternative()
        .boundary(boundary(&mail.message_id))
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(part(&mail.text)))
        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(part(&mail.html)));
    builder.multipart(body).map_err(|e| invalid(e.to_string()))
}

/// A part's body as `8bit` — the text as it is, so no quoted-printable soft break ever splits a
/// word or a column, and the `.eml` reads as the mail does — or as `base64` when lettre will
/// not send it unencoded (a line of 76 bytes or more, with its CRLF). The choice follows from
/// the text alone, so every attempt gives the same bytes. A non-ASCII 8bit part needs a server
/// that offers 8BITMIME, as every current one does; for one that does not, the SMTP transport
/// builds the mail again with [`Transfer::SevenBit`].
fn unbroken(text: &str) -> Body {
    let text = crlf(text);
    Body::new_with_encoding(text.clone(), ContentTransferEncoding::EightBit).unwrap_or_else(|_| {
        Body::new_with_encoding(text.clone(), ContentTransferEncoding::Base64)
            .unwrap_or_else(|_| Body::new(text))
    })
}

/// `text` with CRLF line ends. lettre adds the missing CRs itself, but one insertion at a time
/// — quadratic in the size of the part, seconds for a digest of thousands of tasks — and leaves
/// the CRs that are there alone.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(c);
        previous = c;
    }
    out
}

/// A Message-ID is `left@right` in printable ASCII, without `<`, `>` or spaces.
fn check_message_id(id: &str) -> Result<(), String> {
    let printable = id.chars().all(|c| c.is_ascii_graphic() && c != '<' && c != '>');
    match id.split_once('@') {
        Some((left, right)) if printable && !left.is_empty() && !right.is_empty() => Ok(()),
        _ => Err(format!("Message-ID {id:?} is not of the form left@right (without <>)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            message_id: "digest-7.00ff@permit-followup".into(),
            from: "permit-followup@localhost".into(),
            to: vec!["study-unit@localhost".into(), "Study Unit <study-2@localhost>".into()],
            subject: "2 new follow-up tasks for Enheten för studier".into(),
            text: "UT-1  emigrated  due 2026-12-04  high\nåäö\n".into(),
            html: "<p>UT-1</p>\n".into(),
            date: chrono::Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_message_id_has_the_digest_id_random_hex_and_a_host() {
        let id = new_message_id(12, "permit-followup@mail.example.org");
        let (left, host) = id.split_once('@').unwrap();
        assert_eq!(host, "mail.example.org");
        let random = left.strip_prefix("digest-12.").unwrap();
        assert_eq!(random.len(), 2 * ID_RANDOM_BYTES);
        assert!(random.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, new_message_id(12, "permit-followup@mail.example.org"));
        assert!(new_message_id(1, "").ends_with("@permit-followup"));
        assert!(new_message_id(1, "a b<c>").ends_with("@abc"));
    }

    #[test]
    fn building_twice_gives_the_same_bytes() {
        let first = build(&mail()).unwrap().formatted();
        assert_eq!(first, build(&mail()).unwrap().formatted());
        let text = String::from_utf8(first).unwrap();
        assert!(text.contains("Message-ID: <digest-7.00ff@permit-followup>\r\n"), "{text}");
        assert!(text.contains("Date: Mon, 23 Nov 2026 06:00:00 +0000\r\n"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-generated\r\n"));
        assert!(text.contains("multipart/alternative"));
        assert!(text.contains("boundary=\"=_pf-digest-7.00ff_permit-followup\""), "{text}");
    }

    #[test]
    fn a_seven_bit_build_is_ascii_and_decodes_to_the_same_text() {
        let message = build_as(&mail(), Transfer::SevenBit).unwrap().formatted();
        assert!(message.is_ascii());
        let text = String::from_utf8(message).unwrap();
        assert!(!text.contains("Content-Transfer-Encoding: 8bit"), "{text}");
        assert!(text.contains("Message-ID: <digest-7.00ff@permit-followup>\r\n"), "{text}");
        assert_eq!(
            text,
            String::from_utf8(build_as(&mail(), Transfer::SevenBit).unwrap().formatted()).unwrap()
        );
    }

    #[test]
    fn parts_go_out_as_8bit_text_unless_a_line_is_too_long_for_it() {
        let text = String::from_utf8(build(&mail()).unwrap().formatted()).unwrap();
        assert_eq!(text.matches("Content-Transfer-Encoding: 8bit\r\n").count(), 2, "{text}");
        assert!(text.contains("\r\nUT-1  emigrated  due 2026-12-04  high\r\nåäö\r\n"), "{text}");
        assert!(!text.contains("quoted-printable"));
        let mut long = mail();
        long.html = format!("<p>{}</p>\n", "x".repeat(1200));
        let text = String::from_utf8(build(&long).unwrap().formatted()).unwrap();
        assert!(text.contains("Content-Transfer-Encoding: base64\r\n"), "{text}");
        assert!(text.lines().all(|l| l.len() <= 998));
    }

    #[test]
    fn line_ends_become_crlf_once() {
        assert_eq!(crlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
        assert_eq!(crlf("\n\n"), "\r\n\r\n");
    }

    #[test]
    fn a_bad_address_or_message_id_is_invalid_without_naming_the_address() {
        let mut bad = mail();
        bad.to[1] = "not an address".into();
        let err = build(&bad).unwrap_err().to_string();
        assert!(err.contains("recipient 2 of 2") && !err.contains("not an address"), "{err}");
        let mut bad = mail();
        bad.message_id = "<no-at-sign>".into();
        assert!(matches!(build(&bad), Err(SendError::Invalid { .. })));
        let mut bad = mail();
        bad.to.clear();
        assert!(matches!(build(&bad), Err(SendError::Invalid { .. })));
    }

    #[test]
    fn a_file_stem_never_hides_or_climbs() {
        assert_eq!(file_stem("digest-1.ab@host"), "digest-1.ab@host");
        assert_eq!(file_stem("../x/y@h"), "_x_y@h");
        assert_eq!(file_stem("..x@h"), "x@h");
    }
}
