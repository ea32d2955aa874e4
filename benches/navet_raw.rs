//! The raw limit of reading a Navet file, for `scripts/bench`: the same file through
//! `quick-xml` alone — every event read, every text checked as UTF-8, the records counted — and
//! nothing else. Prints the seconds it took and the records it counted.
//!
//!     cargo bench --bench navet_raw -- FILE

use quick_xml::events::Event;
use std::io::BufReader;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let path =
        std::env::args().skip(1).find(|a| !a.starts_with('-')).ok_or_else(|| anyhow::anyhow!("FILE"))?;
    let started = Instant::now();
    let file = std::fs::File::open(&path)?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(64 * 1024, file));
    let (mut buf, mut records, mut text_bytes) = (Vec::new(), 0u64, 0usize);
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == b"Folkbokforingspost" => records += 1,
            Event::Text(t) => text_bytes += std::str::from_utf8(&t)?.trim().len(),
            Event::Eof => break,
            _ => {}
        }
    }
    println!("{:.3} s {records} records {text_bytes} text bytes", started.elapsed().as_secs_f64());
    Ok(())
}
