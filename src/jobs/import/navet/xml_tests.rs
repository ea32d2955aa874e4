use super::*;

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Navetavisering>\n<Aviseringsinformation><Filinformation><BestallningsId>00000236-FO01-0001</BestallningsId>\n<Utfil><Filnamn>F.xml</Filnamn><Effektueringsdatum>20261106</Effektueringsdatum><AntalPoster>1</AntalPoster><FilNr>1</FilNr><JobbId>7</JobbId></Utfil></Filinformation></Aviseringsinformation>\n<Folkbokforingsposter>\n";
const POST: &str = "<Folkbokforingspost><Sekretessmarkering>J</Sekretessmarkering><Personpost><PersonId><PersonNr>196201011004</PersonNr></PersonId>\n<HanvisningsPersonNr>196201021003</HanvisningsPersonNr><Avregistrering><AvregistreringsorsakKod>GN</AvregistreringsorsakKod><Avregistreringsdatum>20261100</Avregistreringsdatum></Avregistrering>\n<Fodelsedatum>19620101</Fodelsedatum><Namn><Fornamn>&#197;sa &amp; Li</Fornamn><Efternamn><![CDATA[Öberg]]></Efternamn></Namn>\n<Medborgarskap><MedborgarskapslandKod>SY</MedborgarskapslandKod></Medborgarskap><Medborgarskap><MedborgarskapslandKod>SE</MedborgarskapslandKod></Medborgarskap></Personpost>\n<Sarlosning><Utvandring><UtvandringslandKod>NO</UtvandringslandKod></Utvandring></Sarlosning></Folkbokforingspost>\n";
const TAIL: &str = "</Folkbokforingsposter>\n</Navetavisering>\n";

fn items(xml: &[u8]) -> Result<Vec<Item>, Problem> {
    let mut reader = NavetReader::new(xml);
    let mut out = Vec::new();
    while let Some(item) = reader.next_item()? {
        out.push(item);
    }
    Ok(out)
}

fn refused(xml: &[u8]) -> Problem {
    items(xml).expect_err("refused")
}

#[test]
fn a_file_reads_as_its_header_its_records_and_its_end() {
    let xml = format!("{HEAD}{POST}{TAIL}");
    let all = items(xml.as_bytes()).unwrap();
    let [Item::Header(h), Item::Record(r), Item::End(1)] = all.as_slice() else { panic!("{all:?}") };
    assert_eq!(h.order.as_ref().unwrap().text, "00000236-FO01-0001");
    assert_eq!((h.count.as_ref().unwrap().text.as_str(), h.count.as_ref().unwrap().line), ("1", 4));
    assert_eq!(h.line, 5);
    assert_eq!((r.line, r.position), (6, 1));
    assert_eq!(r.person.as_ref().unwrap().text, "196201011004");
    assert!(r.protected);
    assert_eq!(r.replaced_by.as_ref().unwrap().text, "196201021003");
    assert_eq!(r.deregistration_code.as_ref().unwrap().text, "GN");
    assert_eq!(r.deregistered_on.as_ref().unwrap().line, 7);
    assert_eq!(r.name, Some(["Åsa & Li".to_string(), String::new(), "Öberg".to_string()]));
    assert_eq!(r.citizenships, Some(vec!["SY".to_string(), "SE".to_string()]));
    assert_eq!(r.emigration.as_deref(), Some("NO"));
}

#[test]
fn a_dtd_is_refused_and_no_entity_is_expanded() {
    let dtd =
        format!("<?xml version=\"1.0\"?>\n<!DOCTYPE Navetavisering [<!ENTITY x \"boom\">]>\n{}", &HEAD[39..]);
    let p = refused(dtd.as_bytes());
    assert_eq!((p.line, p.reason.contains("DTD")), (2, true), "{p:?}");
    let entity = format!("{HEAD}{}{TAIL}", POST.replace("&amp;", "&x;"));
    assert!(refused(entity.as_bytes()).reason.contains("entity \"x\" is not defined"));
}

#[test]
fn another_root_text_outside_it_and_a_second_root_are_refused() {
    assert!(refused(b"<Other/>").reason.contains("the root is \"Other\", not Navetavisering"));
    assert!(refused(b"junk<Navetavisering/>").reason.contains("text outside the root"));
    let two = format!("{HEAD}{TAIL}<Navetavisering/>");
    assert!(refused(two.as_bytes()).reason.contains("second root"));
    assert!(refused(b"").reason.contains("no Navetavisering"));
}

#[test]
fn a_file_that_is_not_well_formed_is_refused_at_its_line() {
    let bad = format!("{HEAD}{}{TAIL}", POST.replace("</Fodelsedatum>", "</Fodelsedatum2>"));
    let p = refused(bad.as_bytes());
    assert!(p.reason.contains("not well-formed"), "{p:?}");
    assert_eq!(p.line, 8);
    let attr = format!("{HEAD}<Folkbokforingspost a=\"1\" a=\"2\"/>{TAIL}");
    assert!(refused(attr.as_bytes()).reason.contains("not well-formed"));
}

#[test]
fn a_truncated_file_is_refused() {
    let whole = format!("{HEAD}{POST}{TAIL}");
    for cut in [whole.len() - 3, whole.len() - TAIL.len(), HEAD.len() + 100] {
        let p = refused(&whole.as_bytes()[..cut]);
        assert!(p.reason.contains("truncated") || p.reason.contains("not well-formed"), "{cut}: {p:?}");
    }
}

#[test]
fn bytes_that_are_not_utf8_are_refused_even_in_an_element_not_read() {
    let mut bad = format!("{HEAD}{POST}{TAIL}").into_bytes();
    let at = bad.windows(4).position(|w| w == b"<Sek").unwrap() + 1;
    bad.splice(at - 1..at - 1, b"<Ort>G\xf6teborg</Ort>".iter().copied());
    assert!(refused(&bad).reason.contains("not UTF-8"));
    let latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Navetavisering/>";
    let p = refused(latin.as_bytes());
    assert!(p.reason.contains("not in UTF-8"), "{p:?}");
}

/// A file whose one text node runs on for `len` bytes, made as it is read.
struct Endless {
    head: std::io::Cursor<Vec<u8>>,
    left: u64,
}

impl Read for Endless {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.head.read(out)?;
        if n > 0 {
            return Ok(n);
        }
        let n = (out.len() as u64).min(self.left) as usize;
        out[..n].fill(b'a');
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn a_text_node_of_a_gigabyte_is_refused_after_a_token_s_worth() {
    let head = format!("{HEAD}<Folkbokforingspost><Personpost><PersonId><PersonNr>").into_bytes();
    let input = io::BufReader::new(Endless { head: io::Cursor::new(head), left: 1 << 30 });
    let mut reader = NavetReader::new(input);
    let mut seen = 0;
    let p = loop {
        match reader.next_item() {
            Ok(Some(_)) => seen += 1,
            Ok(None) => panic!("read to the end"),
            Err(p) => break p,
        }
    };
    assert_eq!(seen, 1, "the header");
    assert!(p.reason.contains("longer than 65536 bytes"), "{p:?}");
    assert!(reader.buf.capacity() < 4 * MAX_TOKEN_BYTES as usize, "{}", reader.buf.capacity());
}

#[test]
fn a_value_longer_than_any_navet_field_is_refused_naming_it() {
    let long = format!("{HEAD}{}{TAIL}", POST.replace(">SY<", &format!(">{}<", "S".repeat(500))));
    let p = refused(long.as_bytes());
    assert_eq!(p.field, "MedborgarskapslandKod");
}

#[test]
fn nesting_deeper_than_navet_s_is_refused() {
    let deep = format!("{HEAD}{}{}{TAIL}", "<a>".repeat(100), "</a>".repeat(100));
    let p = refused(deep.as_bytes());
    assert!(p.reason.contains("more than 32 deep"), "{p:?}");
}

#[test]
fn a_file_without_records_section_is_refused() {
    let p = refused(b"<Navetavisering><Aviseringsinformation/></Navetavisering>");
    assert_eq!(p.field, "Folkbokforingsposter");
}
