//! Reading a Navet notification file as a stream of XML events (`quick-xml`), one record at a
//! time: the file's own header (`Aviseringsinformation`), then each `Folkbokforingspost` with
//! only the values the comparison needs, as text and with its line.
//!
//! Whatever the file holds, memory stays bounded: no token (a tag, a text, a comment) longer than
//! [`MAX_TOKEN_BYTES`] is held — the reading stops before it — nesting deeper than [`MAX_DEPTH`]
//! is refused, and a value is kept only up to [`MAX_VALUE_BYTES`]. Nothing is expanded: a DTD
//! is refused, and so is any entity but XML's five and character references. Every problem of
//! the file as such is a [`Problem`] that ends the reading; a record's values are checked by
//! the caller.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::{self, BufRead, Read};

/// The longest token read: a Navet value is at most 80 characters, a tag with its attributes
/// a few hundred bytes; a longer token (a text node of a gigabyte) is refused unread.
pub const MAX_TOKEN_BYTES: u64 = 64 * 1024;
/// The deepest nesting read: Navet's deepest element lies 8 levels down.
pub const MAX_DEPTH: usize = 32;
/// The longest value kept of a field that is read: Navet's longest is 80 characters.
pub const MAX_VALUE_BYTES: usize = 400;

/// Why the file as a whole cannot be read: printed as `FILE:LINE: FIELD: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: u64,
    /// The element at fault, or `file`.
    pub field: String,
    /// Why.
    pub reason: String,
}

fn problem(line: u64, field: &str, reason: impl Into<String>) -> Problem {
    Problem { line, field: field.into(), reason: reason.into() }
}

/// A value as read, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Value {
    /// The text, trimmed.
    pub text: String,
    /// 1-based line.
    pub line: u64,
}

/// `Aviseringsinformation`: the values that name the file and the records it holds.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// Where `Folkbokforingsposter` begins.
    pub line: u64,
    /// `Filinformation/BestallningsId`.
    pub order: Option<Value>,
    /// `Utfil/JobbId`.
    pub job: Option<Value>,
    /// `Utfil/FilNr`.
    pub part: Option<Value>,
    /// `Utfil/Effektueringsdatum`.
    pub effective: Option<Value>,
    /// `Utfil/AntalPoster`.
    pub count: Option<Value>,
    /// `Utfil/Filnamn`.
    pub name: Option<Value>,
}

/// One `Folkbokforingspost`, as text: only what the comparison reads.
#[derive(Debug, Clone, Default)]
pub struct RawRecord {
    /// Where it begins.
    pub line: u64,
    /// Its place in the file, from 1.
    pub position: u64,
    /// `Personpost/PersonId/PersonNr` or `…/TilldelatPersonNrSamordningsNr`.
    pub person: Option<Value>,
    /// `Sekretessmarkering` or `SkyddadFolkbokforing` is `J`.
    pub protected: bool,
    /// `Personpost/HanvisningsPersonNr`.
    pub replaced_by: Option<Value>,
    /// `Personpost/Avregistrering/AvregistreringsorsakKod`.
    pub deregistration_code: Option<Value>,
    /// `Personpost/Avregistrering/Avregistreringsdatum`.
    pub deregistered_on: Option<Value>,
    /// `Personpost/Fodelsedatum`.
    pub birth_date: Option<Value>,
    /// `Personpost/Namn`: `Fornamn`, `Mellannamn`, `Efternamn`.
    pub name: Option<[String; 3]>,
    /// Each `Personpost/Medborgarskap/MedborgarskapslandKod`; `None` without any.
    pub citizenships: Option<Vec<String>>,
    /// `Sarlosning/Utvandring`: its `UtvandringslandKod` (empty without one).
    pub emigration: Option<String>,
}

/// What the reader yields, in this order: the header, the records, the end.
#[derive(Debug)]
pub enum Item {
    /// The header, once `Folkbokforingsposter` begins.
    Header(Header),
    /// One record.
    Record(RawRecord),
    /// The end of the file, with how many records it held.
    End(u64),
}

/// The elements the reader knows; any other is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Root,
    Info,
    FileInfo,
    Order,
    Out,
    FileName,
    Effective,
    Count,
    Part,
    Job,
    Posts,
    Post,
    Secret,
    Shielded,
    Person,
    PersonId,
    PersonNr,
    CoordinationNr,
    ReplacedBy,
    Deregistration,
    DeregistrationCode,
    DeregistrationDate,
    BirthDate,
    Name,
    FirstName,
    MiddleName,
    LastName,
    Citizenship,
    Country,
    Special,
    Emigration,
    EmigrationCountry,
    Other,
}

fn tag(name: &[u8]) -> Tag {
    match name {
        b"Navetavisering" => Tag::Root,
        b"Aviseringsinformation" => Tag::Info,
        b"Filinformation" => Tag::FileInfo,
        b"BestallningsId" => Tag::Order,
        b"Utfil" => Tag::Out,
        b"Filnamn" => Tag::FileName,
        b"Effektueringsdatum" => Tag::Effective,
        b"AntalPoster" => Tag::Count,
        b"FilNr" => Tag::Part,
        b"JobbId" => Tag::Job,
        b"Folkbokforingsposter" => Tag::Posts,
        b"Folkbokforingspost" => Tag::Post,
        b"Sekretessmarkering" => Tag::Secret,
        b"SkyddadFolkbokforing" => Tag::Shielded,
        b"Personpost" => Tag::Person,
        b"PersonId" => Tag::PersonId,
        b"PersonNr" => Tag::PersonNr,
        b"TilldelatPersonNrSamordningsNr" => Tag::CoordinationNr,
        b"HanvisningsPersonNr" => Tag::ReplacedBy,
        b"Avregistrering" => Tag::Deregistration,
        b"AvregistreringsorsakKod" => Tag::DeregistrationCode,
        b"Avregistreringsdatum" => Tag::DeregistrationDate,
        b"Fodelsedatum" => Tag::BirthDate,
        b"Namn" => Tag::Name,
        b"Fornamn" => Tag::FirstName,
        b"Mellannamn" => Tag::MiddleName,
        b"Efternamn" => Tag::LastName,
        b"Medborgarskap" => Tag::Citizenship,
        b"MedborgarskapslandKod" => Tag::Country,
        b"Sarlosning" => Tag::Special,
        b"Utvandring" => Tag::Emigration,
        b"UtvandringslandKod" => Tag::EmigrationCountry,
        _ => Tag::Other,
    }
}

/// Where a value read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Order,
    Job,
    Part,
    Effective,
    Count,
    FileName,
    Secret,
    Person,
    ReplacedBy,
    Code,
    Date,
    BirthDate,
    NamePart(usize),
    Country,
    EmigrationCountry,
}

impl Slot {
    /// The element, as messages name it.
    fn field(self) -> &'static str {
        match self {
            Slot::Order => "BestallningsId",
            Slot::Job => "JobbId",
            Slot::Part => "FilNr",
            Slot::Effective => "Effektueringsdatum",
            Slot::Count => "AntalPoster",
            Slot::FileName => "Filnamn",
            Slot::Secret => "Sekretessmarkering",
            Slot::Person => "PersonId",
            Slot::ReplacedBy => "HanvisningsPersonNr",
            Slot::Code => "AvregistreringsorsakKod",
            Slot::Date => "Avregistreringsdatum",
            Slot::BirthDate => "Fodelsedatum",
            Slot::NamePart(_) => "Namn",
            Slot::Country => "MedborgarskapslandKod",
            Slot::EmigrationCountry => "UtvandringslandKod",
        }
    }
}

/// The slot of the element at the end of `path`, if it is one that is read.
fn slot(path: &[Tag]) -> Option<Slot> {
    use Tag::*;
    Some(match path {
        [Root, Info, FileInfo, Order] => Slot::Order,
        [Root, Info, FileInfo, Out, Job] => Slot::Job,
        [Root, Info, FileInfo, Out, Part] => Slot::Part,
        [Root, Info, FileInfo, Out, Effective] => Slot::Effective,
        [Root, Info, FileInfo, Out, Count] => Slot::Count,
        [Root, Info, FileInfo, Out, FileName] => Slot::FileName,
        [Root, Posts, Post, Secret | Shielded] => Slot::Secret,
        [Root, Posts, Post, Person, PersonId, PersonNr | CoordinationNr] => Slot::Person,
        [Root, Posts, Post, Person, ReplacedBy] => Slot::ReplacedBy,
        [Root, Posts, Post, Person, Deregistration, DeregistrationCode] => Slot::Code,
        [Root, Posts, Post, Person, Deregistration, DeregistrationDate] => Slot::Date,
        [Root, Posts, Post, Person, BirthDate] => Slot::BirthDate,
        [Root, Posts, Post, Person, Name, FirstName] => Slot::NamePart(0),
        [Root, Posts, Post, Person, Name, MiddleName] => Slot::NamePart(1),
        [Root, Posts, Post, Person, Name, LastName] => Slot::NamePart(2),
        [Root, Posts, Post, Person, Citizenship, Country] => Slot::Country,
        [Root, Posts, Post, Special, Emigration, EmigrationCountry] => Slot::EmigrationCountry,
        _ => return None,
    })
}

/// The input, counting lines and the bytes of the token being read, which it refuses to
/// hand over past [`MAX_TOKEN_BYTES`].
struct Counted<R> {
    inner: R,
    newlines: u64,
    token: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

/// The error a token too long for [`MAX_TOKEN_BYTES`] reads as.
#[derive(Debug)]
struct TooLong;

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a token of more than {MAX_TOKEN_BYTES} bytes")
    }
}

impl std::error::Error for TooLong {}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.token > MAX_TOKEN_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, TooLong));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if let Ok(available) = self.inner.fill_buf() {
            let end = n.min(available.len());
            self.newlines += available[..end].iter().filter(|b| **b == b'\n').count() as u64;
        }
        self.token += n as u64;
        self.inner.consume(n);
    }
}

/// The reader of one file.
pub struct NavetReader<R: BufRead> {
    xml: Reader<Counted<R>>,
    buf: Vec<u8>,
    path: Vec<Tag>,
    header: Option<Header>,
    record: Option<RawRecord>,
    /// The value being read, and where it goes.
    value: Option<(Slot, String, u64)>,
    records: u64,
    root_seen: bool,
    done: bool,
}

impl<R: BufRead> NavetReader<R> {
    /// Reads `input`.
    pub fn new(input: R) -> Self {
        let mut xml = Reader::from_reader(Counted { inner: input, newlines: 0, token: 0 });
        let config = xml.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        NavetReader {
            xml,
            buf: Vec::new(),
            path: Vec::new(),
            header: Some(Header::default()),
            record: None,
            value: None,
            records: 0,
            root_seen: false,
            done: false,
        }
    }

    fn line(&self) -> u64 {
        self.xml.get_ref().newlines + 1
    }

    /// The next item, `None` after [`Item::End`]; a [`Problem`] ends the reading.
    pub fn next_item(&mut self) -> Result<Option<Item>, Problem> {
        while !self.done {
            if let Some(item) = self.step()? {
                return Ok(Some(item));
            }
        }
        Ok(None)
    }

    /// Reads one event; returns an item when it completes one.
    fn step(&mut self) -> Result<Option<Item>, Problem> {
        self.xml.get_mut().token = 0;
        let line = self.line();
        self.buf.clear();
        let event = match self.xml.read_event_into(&mut self.buf) {
            Ok(event) => event,
            Err(e) => return Err(self.ill_formed(line, e)),
        };
        match event {
            Event::Decl(decl) => {
                let encoding = decl.encoding().and_then(Result::ok);
                match encoding.as_deref().map(|e| e.to_ascii_lowercase()) {
                    None => Ok(None),
                    Some(e) if e == b"utf-8" || e == b"utf8" => Ok(None),
                    Some(_) => {
                        Err(problem(line, "file", "is not in UTF-8 (its declaration names another encoding)"))
                    }
                }
            }
            Event::DocType(_) => Err(problem(line, "file", "holds a DTD (<!DOCTYPE>), which is not read")),
            Event::PI(_) | Event::Comment(_) => {
                utf8(&self.buf, line)?;
                Ok(None)
            }
            Event::Start(start) => {
                let t = open(&start, line, self.path.len(), &mut self.root_seen)?;
                self.begin(t, line)
            }
            Event::Empty(start) => {
                let t = open(&start, line, self.path.len(), &mut self.root_seen)?;
                let item = self.begin(t, line)?;
                debug_assert!(item.is_none());
                self.end(line)
            }
            Event::End(_) => self.end(line),
            Event::Text(text) => {
                let text = utf8(&text, line)?.to_string();
                self.text(&text, line)
            }
            Event::CData(data) => {
                let text = utf8(&data, line)?.to_string();
                self.text(&text, line)
            }
            Event::GeneralRef(r) => {
                let name = utf8(&r, line)?.to_string();
                let ch = if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            return Err(problem(
                                line,
                                "file",
                                format!("the character reference {} is not a character", cut(&name)),
                            ))
                        }
                    }
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
                    s.to_string()
                } else {
                    return Err(problem(
                        line,
                        "file",
                        format!("the entity {} is not defined (entities are not expanded)", cut(&name)),
                    ));
                };
                self.text(&ch, line)
            }
            Event::Eof => self.eof(line),
        }
    }

    fn begin(&mut self, t: Tag, line: u64) -> Result<Option<Item>, Problem> {
        self.path.push(t);
        self.value = None;
        match self.path.as_slice() {
            [Tag::Root, Tag::Posts] => {
                let mut header = self.header.take().unwrap_or_default();
                header.line = line;
                return Ok(Some(Item::Header(header)));
            }
            [Tag::Root, Tag::Posts, Tag::Post] => {
                self.records += 1;
                self.record = Some(RawRecord { line, position: self.records, ..RawRecord::default() });
            }
            [Tag::Root, Tag::Posts, Tag::Post, Tag::Person, Tag::Name] => {
                if let Some(r) = self.record.as_mut() {
                    r.name = Some(Default::default());
                }
            }
            [Tag::Root, Tag::Posts, Tag::Post, Tag::Person, Tag::Citizenship] => {
                if let Some(r) = self.record.as_mut() {
                    r.citizenships.get_or_insert_with(Vec::new);
                }
            }
            [Tag::Root, Tag::Posts, Tag::Post, Tag::Special, Tag::Emigration] => {
                if let Some(r) = self.record.as_mut() {
                    r.emigration = Some(String::new());
                }
            }
            _ => {}
        }
        if let Some(s) = slot(&self.path) {
            self.value = Some((s, String::new(), line));
        }
        Ok(None)
    }

    fn text(&mut self, text: &str, line: u64) -> Result<Option<Item>, Problem> {
        if self.path.is_empty() {
            if !text.trim().is_empty() {
                return Err(problem(line, "file", "is not well-formed XML: text outside the root element"));
            }
            return Ok(None);
        }
        if let Some((slot, value, _)) = self.value.as_mut() {
            if value.len() + text.len() > MAX_VALUE_BYTES {
                return Err(problem(line, slot.field(), format!("is longer than {MAX_VALUE_BYTES} bytes")));
            }
            value.push_str(text);
        }
        Ok(None)
    }

    fn end(&mut self, line: u64) -> Result<Option<Item>, Problem> {
        if let Some((slot, text, at)) = self.value.take() {
            self.put(slot, Value { text: text.trim().to_string(), line: at });
        }
        let closed = self.path.clone();
        self.path.pop();
        match closed.as_slice() {
            [Tag::Root, Tag::Posts, Tag::Post] => Ok(self.record.take().map(Item::Record)),
            [Tag::Root, Tag::Posts] => Ok(None),
            [Tag::Root] => {
                if self.header.is_some() {
                    return Err(problem(line, "Folkbokforingsposter", "is required"));
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    fn put(&mut self, slot: Slot, value: Value) {
        if let Some(h) = self.header.as_mut() {
            let place = match slot {
                Slot::Order => &mut h.order,
                Slot::Job => &mut h.job,
                Slot::Part => &mut h.part,
                Slot::Effective => &mut h.effective,
                Slot::Count => &mut h.count,
                Slot::FileName => &mut h.name,
                _ => return,
            };
            *place = Some(value);
            return;
        }
        let Some(r) = self.record.as_mut() else { return };
        match slot {
            Slot::Secret => r.protected |= value.text == "J",
            Slot::Person => r.person = Some(value),
            Slot::ReplacedBy => r.replaced_by = Some(value).filter(|v| !v.text.is_empty()),
            Slot::Code => r.deregistration_code = Some(value).filter(|v| !v.text.is_empty()),
            Slot::Date => r.deregistered_on = Some(value).filter(|v| !v.text.is_empty()),
            Slot::BirthDate => r.birth_date = Some(value).filter(|v| !v.text.is_empty()),
            Slot::NamePart(i) => {
                if let Some(name) = r.name.as_mut() {
                    name[i] = value.text;
                }
            }
            Slot::Country if !value.text.is_empty() => {
                r.citizenships.get_or_insert_with(Vec::new).push(value.text);
            }
            Slot::EmigrationCountry => r.emigration = Some(value.text),
            _ => {}
        }
    }

    fn eof(&mut self, line: u64) -> Result<Option<Item>, Problem> {
        if !self.root_seen {
            return Err(problem(line, "file", "holds no Navetavisering element (is it empty?)"));
        }
        if !self.path.is_empty() {
            return Err(problem(line, "file", "ends inside an element: the file is truncated"));
        }
        self.done = true;
        Ok(Some(Item::End(self.records)))
    }

    /// A problem from the XML reader, in the file's words.
    fn ill_formed(&self, line: u64, e: quick_xml::Error) -> Problem {
        match e {
            quick_xml::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<TooLong>()) => problem(
                line,
                "file",
                format!("holds a token (a text, tag or comment) longer than {MAX_TOKEN_BYTES} bytes"),
            ),
            quick_xml::Error::Io(io) => problem(line, "file", format!("cannot be read: {io}")),
            quick_xml::Error::Syntax(s) if !self.path.is_empty() || !self.root_seen => {
                problem(self.line(), "file", format!("is not well-formed XML ({s}); is the file truncated?"))
            }
            other => problem(self.line(), "file", format!("is not well-formed XML: {other}")),
        }
    }
}

/// An element opens: its name and attributes checked, its depth bounded.
fn open(start: &BytesStart<'_>, line: u64, depth: usize, root_seen: &mut bool) -> Result<Tag, Problem> {
    utf8(start, line)?;
    for attr in start.attributes().with_checks(true) {
        if let Err(e) = attr {
            return Err(problem(line, "file", format!("is not well-formed XML: {e}")));
        }
    }
    if depth >= MAX_DEPTH {
        return Err(problem(line, "file", format!("nests elements more than {MAX_DEPTH} deep")));
    }
    let t = tag(start.local_name().as_ref());
    if depth == 0 {
        if *root_seen {
            return Err(problem(line, "file", "is not well-formed XML: a second root element"));
        }
        if t != Tag::Root {
            let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
            return Err(problem(line, "file", format!("the root is {}, not Navetavisering", cut(&name))));
        }
        *root_seen = true;
    }
    Ok(t)
}

/// `bytes` as UTF-8, or the problem that it is not.
fn utf8(bytes: &[u8], line: u64) -> Result<&str, Problem> {
    std::str::from_utf8(bytes).map_err(|_| problem(line, "file", "is not UTF-8"))
}

/// A name from the file, quoted for a message (it is the file's markup, but may hold digits).
fn cut(name: &str) -> String {
    crate::domain::ids::quoted(name)
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;
