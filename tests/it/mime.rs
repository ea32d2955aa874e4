//! Reads a digest's `.eml` back as a mail client would: its headers, and its two parts decoded
//! from whatever transfer encoding they went out in (7bit, 8bit or base64; quoted-printable is
//! refused, since digests never use it).

/// One part of a `multipart/alternative` mail, decoded.
#[derive(Debug)]
pub struct Part {
    pub content_type: String,
    pub encoding: String,
    pub body: String,
}

/// A mail: its header lines (unfolded) and its parts.
#[derive(Debug)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub parts: Vec<Part>,
}

impl Mail {
    /// Parses raw bytes as written by the file transport or received over SMTP.
    pub fn parse(raw: &[u8]) -> Mail {
        let raw = String::from_utf8(raw.to_vec()).expect("a digest is UTF-8").replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").expect("headers, a blank line, a body");
        let headers = header_lines(head);
        let content_type = value(&headers, "Content-Type").expect("Content-Type");
        let boundary =
            content_type.split("boundary=").nth(1).expect("a boundary").trim_matches('"').to_string();
        let parts = body
            .split(&format!("--{boundary}"))
            .skip(1)
            .filter(|p| !p.starts_with("--"))
            .map(|p| part(p.trim_start_matches('\n')))
            .collect();
        Mail { headers, parts }
    }

    /// A header's value, its encoded words (RFC 2047, `=?utf-8?b?…?=`, as a subject with å,
    /// ä or ö goes out) decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        value(&self.headers, name).map(decode_words)
    }

    /// The decoded body of the part of this content type (`text/plain`, `text/html`).
    pub fn body(&self, content_type: &str) -> &str {
        &self.part(content_type).body
    }

    /// The part of this content type.
    pub fn part(&self, content_type: &str) -> &Part {
        self.parts.iter().find(|p| p.content_type.starts_with(content_type)).expect("the part")
    }
}

fn header_lines(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            out.last_mut().expect("a folded line follows a header").1.push_str(line);
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.to_string(), value.trim().to_string()));
        }
    }
    out
}

/// `text` with each `=?utf-8?b?…?=` word decoded, and the space between two such words dropped.
fn decode_words(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let gap = &rest[..start];
        if !(after_word && gap.trim().is_empty()) {
            out.push_str(gap);
        }
        let word = &rest[start + 2..];
        let Some(end) = word.find("?=") else { break };
        let mut fields = word[..end].splitn(3, '?');
        let (charset, encoding, data) = (fields.next(), fields.next(), fields.next());
        assert!(charset.is_some_and(|c| c.eq_ignore_ascii_case("utf-8")), "charset of {word}");
        assert!(encoding.is_some_and(|e| e.eq_ignore_ascii_case("b")), "encoding of {word}");
        out.push_str(&String::from_utf8(base64(data.unwrap_or(""))).expect("UTF-8 in an encoded word"));
        rest = &word[end + 2..];
        after_word = true;
    }
    out.push_str(rest);
    out
}

fn value<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn part(text: &str) -> Part {
    let (head, body) = text.split_once("\n\n").expect("part headers, a blank line, a body");
    let headers = header_lines(head);
    let content_type = value(&headers, "Content-Type").unwrap_or("text/plain").to_string();
    let encoding = value(&headers, "Content-Transfer-Encoding").unwrap_or("7bit").to_ascii_lowercase();
    let body = body.strip_suffix('\n').unwrap_or(body);
    let body = match encoding.as_str() {
        "7bit" | "8bit" => body.to_string(),
        "base64" => String::from_utf8(base64(body)).expect("UTF-8 inside base64").replace("\r\n", "\n"),
        other => panic!("a digest part went out as {other}"),
    };
    Part { content_type, encoding, body }
}

/// Decodes base64, ignoring line breaks.
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {:?}", char::from(c)),
    };
    let digits: Vec<u8> =
        text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn encoded_words_decode_and_join() {
    assert_eq!(decode_words("18 nya =?utf-8?b?w6XDpA==?= =?utf-8?b?w7Y=?= x"), "18 nya åäö x");
    assert_eq!(decode_words("plain (1 urgent)"), "plain (1 urgent)");
}

#[test]
fn base64_decodes_as_written() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("w6XDpMO2\r\nIQ=="), "åäö!".as_bytes());
}
