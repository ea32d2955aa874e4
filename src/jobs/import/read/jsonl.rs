//! JSON lines, read strictly: a line is read into a buffer of at most [`MAX_RECORD_BYTES`] (a
//! longer one is read past and reported), must be valid UTF-8, and must hold one JSON object in
//! which no key appears twice at any depth — a second value would otherwise silently replace
//! the first. Nesting is bounded by the parser (128 levels), so no input can exhaust the stack.

use super::{error, field_name, Fields, RecordError, MAX_RECORD_BYTES};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

/// Reads the records of one JSON-lines file.
pub(super) struct JsonLines {
    input: BufReader<Box<dyn Read + Send>>,
    file: String,
    known: &'static [&'static str],
    line: u64,
    buf: Vec<u8>,
    /// A record was seen (a file of blank lines only is an error).
    any: bool,
}

impl JsonLines {
    pub(super) fn new(input: Box<dyn Read + Send>, file: &str, known: &'static [&'static str]) -> Self {
        let input = BufReader::with_capacity(1 << 16, input);
        JsonLines { input, file: file.to_string(), known, line: 0, buf: Vec::new(), any: false }
    }

    /// An empty file is then no error.
    pub(super) fn allow_empty(&mut self) {
        self.any = true;
    }

    /// The next record or the errors of an invalid one; `None` at the end.
    pub(super) fn next_record(&mut self) -> std::io::Result<Option<Result<Fields, Vec<RecordError>>>> {
        loop {
            self.line += 1;
            let why = match self.read_line()? {
                None if self.any => return Ok(None),
                None => {
                    self.line = 1;
                    "the file is empty: it holds no record".to_string()
                }
                Some(false) => format!("is longer than {MAX_RECORD_BYTES} bytes; it was not read"),
                Some(true) if self.buf.iter().all(u8::is_ascii_whitespace) => continue,
                Some(true) => {
                    self.any = true;
                    return Ok(Some(parse_line(&self.file, self.line, &self.buf, self.known)));
                }
            };
            self.any = true;
            return Ok(Some(Err(vec![error(&self.file, self.line, "record", &why, None)])));
        }
    }

    /// Reads one line into `buf` (without its end); `None` at the end of the input, `false`
    /// when the line was longer than the buffer may be (it is then read past).
    fn read_line(&mut self) -> std::io::Result<Option<bool>> {
        self.buf.clear();
        let (mut read_any, mut fits) = (false, true);
        loop {
            let (used, done) = {
                let data = self.input.fill_buf()?;
                if data.is_empty() {
                    return Ok(read_any.then_some(fits));
                }
                let (piece, done) = match data.iter().position(|&b| b == b'\n') {
                    Some(at) => (&data[..at], true),
                    None => (data, false),
                };
                if fits && self.buf.len() + piece.len() <= MAX_RECORD_BYTES {
                    self.buf.extend_from_slice(piece);
                } else {
                    fits = false;
                    self.buf.clear();
                }
                (piece.len() + usize::from(done), done)
            };
            self.input.consume(used);
            read_any = true;
            if done {
                return Ok(Some(fits));
            }
        }
    }
}

/// One line: a JSON object whose keys the record type knows.
fn parse_line(file: &str, line: u64, bytes: &[u8], known: &[&str]) -> Result<Fields, Vec<RecordError>> {
    let bad = |field: &str, why: &str| vec![error(file, line, field, why, None)];
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(bad("record", &format!("is not valid UTF-8 (at byte {})", e.valid_up_to() + 1)));
    }
    let object = match strict_object(bytes) {
        Ok(object) => object,
        Err(Refusal::Twice(path)) => {
            return Err(bad(&path, "appears twice in the object; which value counts cannot be told"))
        }
        Err(Refusal::NotObject) => return Err(bad("record", "is not a JSON object")),
        Err(Refusal::Json(why)) => return Err(bad("record", &format!("is not valid JSON ({why})"))),
    };
    let key =
        object.get("permit_id").or_else(|| object.get("id")).and_then(Value::as_str).map(str::to_string);
    let unknown: Vec<RecordError> = object
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| error(file, line, &field_name(k), "unknown key", key.clone()))
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let names: Arc<[String]> = object.keys().cloned().collect();
    let (mut text, mut ends) = (String::new(), Vec::with_capacity(names.len()));
    let mut absent = Vec::new();
    for (i, v) in object.values().enumerate() {
        match v {
            Value::Null => absent.push(i),
            Value::String(s) => text.push_str(s),
            other => text.push_str(&other.to_string()),
        }
        ends.push(text.len());
    }
    let mut fields = Fields::new(line, names, text, &ends);
    for i in absent {
        fields.spans[i] = None;
    }
    fields.json = Some(object);
    Ok(fields)
}

/// Why a line is not a record.
enum Refusal {
    /// The key at this path (`data.amount_sek`) appears twice.
    Twice(String),
    /// Valid JSON, but not an object.
    NotObject,
    /// Not valid JSON: the parser's reason, without any text of the line.
    Json(String),
}

fn strict_object(bytes: &[u8]) -> Result<Map<String, Value>, Refusal> {
    let twice = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed =
        Strict { parent: None, twice: &twice }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match (parsed, twice.into_inner()) {
        (_, Some(path)) => Err(Refusal::Twice(path)),
        (Ok(Value::Object(map)), None) => Ok(map),
        (Ok(_), None) => Err(Refusal::NotObject),
        (Err(e), None) => Err(Refusal::Json(json_reason(&e))),
    }
}

/// serde_json's reason without its position in the line, then the column. Its messages never
/// quote the line's text (the visitor below takes any value, so no "invalid type" is raised).
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let reason = text.split(" at line ").next().unwrap_or(&text);
    let reason =
        if reason == "recursion limit exceeded" { "nested more than 128 levels deep" } else { reason };
    format!("{reason} at column {}", e.column())
}

/// The key being read and those it is inside, to name a repeated key by its path.
struct Node<'a> {
    key: &'a str,
    parent: Option<&'a Node<'a>>,
}

impl Node<'_> {
    fn path(&self) -> String {
        match self.parent {
            Some(p) => format!("{}.{}", p.path(), self.key),
            None => self.key.to_string(),
        }
    }
}

/// A JSON value like `serde_json::Value`, refusing a key repeated in an object.
#[derive(Clone, Copy)]
struct Strict<'a> {
    parent: Option<&'a Node<'a>>,
    twice: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let node = Node { key: &key, parent: self.parent };
            if out.contains_key(&key) {
                *self.twice.borrow_mut() = Some(field_name(&node.path()));
                return Err(de::Error::custom("a key appears twice"));
            }
            let value = map.next_value_seed(Strict { parent: Some(&node), twice: self.twice })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}
