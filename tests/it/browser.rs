//! A page as its reader's browser sees it: Debian's headless Chromium (installed by
//! `scripts/ensure-chromium`) dumps the DOM it built and takes screenshots, and a strict
//! tokenizer checks that our markup is well-formed, so that "the browser fixed it up" is a
//! test failure rather than a rendering surprise in someone's mail client. For the `plan` and
//! `report` pages, [`render`] also gathers every console message (a page without scripts has
//! none, so any one is a failure).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Debian puts Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The longest a Chromium run may take before the test gives up on it.
const CHROMIUM_TIMEOUT: &str = "60";

/// Elements that have no end tag in HTML (Chromium writes them as `<br>`).
const VOID: [&str; 6] = ["br", "meta", "img", "hr", "input", "link"];

/// Headless Chromium with a fresh profile, without any network of its own.
pub struct Browser {
    profile: tempfile::TempDir,
}

impl Browser {
    /// The browser, or a failure that says how to install it.
    pub fn new() -> Browser {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: run scripts/ensure-chromium (it installs Debian's chromium)"
        );
        Browser { profile: tempfile::tempdir().expect("profile folder") }
    }

    fn run(&self, page: &Path, width: u32, height: u32, extra: &[&str]) -> Vec<u8> {
        let out = Command::new("timeout")
            .arg(CHROMIUM_TIMEOUT)
            .arg(CHROMIUM)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
            .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .args(["--hide-scrollbars", &format!("--window-size={width},{height}")])
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("run chromium");
        assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// The DOM Chromium built from the page, serialised, after its scripts ran.
    pub fn dom(&self, page: &Path, width: u32) -> String {
        String::from_utf8(self.run(page, width, 800, &["--dump-dom"])).expect("UTF-8 DOM")
    }

    /// A PNG of the page at `width` × `height`, in the dark colour scheme when `dark`.
    pub fn screenshot(&self, page: &Path, width: u32, height: u32, dark: bool, png: &Path) {
        let target = format!("--screenshot={}", png.display());
        let mut extra = vec![target.as_str()];
        if dark {
            extra.push("--force-dark-mode");
        }
        self.run(page, width, height, &extra);
        let bytes = std::fs::read(png).expect("chromium wrote the screenshot");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        let png_width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        assert_eq!(png_width, width, "the screenshot is {png_width} px wide");
    }
}

/// The start tags inside `<body>`, in document order. `strict`: every element must be closed
/// (void ones as `<br />`), every `&` start an entity and no `>` stand in text — how we write
/// markup; otherwise void elements need no `/`, as Chromium serialises them.
pub fn body_tags(html: &str, strict: bool) -> Result<Vec<String>, String> {
    let mut open: Vec<String> = Vec::new();
    let mut tags = Vec::new();
    let mut rest = html.trim_start();
    if let Some(after) = rest.strip_prefix("<!DOCTYPE html>") {
        rest = after;
    }
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt], strict)?;
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->").ok_or("an unclosed comment")? + 3..];
            continue;
        }
        let end = tag_end(rest).ok_or_else(|| format!("an unclosed tag: {}", &rest[..rest.len().min(40)]))?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match open.pop() {
                Some(top) if top == name.trim() => {}
                top => return Err(format!("</{name}> closes {top:?}")),
            }
            continue;
        }
        let name: String =
            tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        let closed = tag.ends_with('/') || (!strict && VOID.contains(&name.as_str()));
        if strict && VOID.contains(&name.as_str()) && !closed {
            return Err(format!("<{tag}> is not closed with />"));
        }
        if open.iter().any(|t| t == "body") {
            tags.push(name.clone());
        }
        if !closed {
            open.push(name);
        }
    }
    check_text(rest, strict)?;
    if open.is_empty() {
        Ok(tags)
    } else {
        Err(format!("unclosed elements at the end: {open:?}"))
    }
}

/// The `>` that ends the tag at the start of `s`, outside quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn check_text(text: &str, strict: bool) -> Result<(), String> {
    if !strict {
        return Ok(());
    }
    if text.contains('>') {
        return Err(format!("an unescaped > in text: {text:?}"));
    }
    for (i, _) in text.match_indices('&') {
        let entity: String = text[i + 1..].chars().take_while(|c| *c != ';').take(8).collect();
        let known = ["amp", "lt", "gt", "quot", "#34", "#38", "#39", "#60", "#62"].contains(&entity.as_str());
        if !known || !text[i + 1..].starts_with(&format!("{entity};")) {
            return Err(format!("a bare & in text: {:?}", &text[i..text.len().min(i + 12)]));
        }
    }
    Ok(())
}

/// A copy of `html` in `dir` that, once loaded, puts the page's width and height in its
/// title, for [`Browser::dom`] to read; and the page itself beside it.
pub fn pages(dir: &Path, html: &str) -> (PathBuf, PathBuf) {
    let page = dir.join("digest.html");
    std::fs::write(&page, html).expect("write the page");
    let script = "<script>document.title = 'size ' + document.documentElement.scrollWidth + 'x' + \
                  document.documentElement.scrollHeight;</script>";
    let measured = dir.join("measured.html");
    std::fs::write(&measured, html.replace("</body>", &format!("{script}\n</body>")))
        .expect("write the page");
    (page, measured)
}

/// What chromium made of a page.
pub struct Rendered {
    /// The document after parsing (`--dump-dom`).
    pub dom: String,
    /// Console messages: errors, warnings, anything the page logged.
    pub console: Vec<String>,
}

/// The chromium binary: `$CHROMIUM`, else Debian's.
fn chromium_path() -> PathBuf {
    let path = PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    assert!(path.exists(), "{} is missing: run scripts/ensure-chromium (or set CHROMIUM)", path.display());
    path
}

/// The flags of a quiet, sandboxed-off headless run on this machine's closed network.
fn command(profile: &Path) -> Command {
    let mut c = Command::new(chromium_path());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Loads `page` (an HTML file) at `width` CSS pixels; with `png`, also screenshots it there.
pub fn render(page: &Path, width: u32, png: Option<&Path>) -> Rendered {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let out = command(profile.path())
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("--window-size={width},1200"))
        .arg(&url)
        .output()
        .expect("start chromium");
    assert!(out.status.success(), "chromium failed on {url}: {}", String::from_utf8_lossy(&out.stderr));
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    if let Some(png) = png {
        let shot = command(profile.path())
            .arg(format!("--window-size={width},2400"))
            .arg(format!("--screenshot={}", png.display()))
            .arg(&url)
            .output()
            .expect("start chromium");
        assert!(shot.status.success() && png.exists(), "no screenshot of {url}");
    }
    Rendered { dom: String::from_utf8_lossy(&out.stdout).into_owned(), console }
}

/// Asserts that a page fetches nothing: no script, no external stylesheet, image or font.
pub fn assert_self_contained(html: &str) {
    for bad in ["<script", "<link", "src=", "url(", "@import", "@font-face"] {
        assert!(!html.contains(bad), "the page must be self-contained, found {bad:?}");
    }
    let outside = html.replace("http://www.w3.org/2000/svg", "");
    assert!(!outside.contains("http://") && !outside.contains("https://"), "the page links outside");
}

#[test]
fn the_markup_check_refuses_what_a_browser_would_repair() {
    let ok = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\" /></head><body><p>a &amp; b<br />c</p></body></html>";
    assert_eq!(body_tags(ok, true).unwrap(), ["p", "br"]);
    assert_eq!(body_tags("<html><body><p>a<br>b</p></body></html>", false).unwrap(), ["p", "br"]);
    for bad in [
        "<html><body><p>unclosed</body></html>",
        "<html><body><table><tr><td>x</tr></table></body></html>",
        "<html><body><p>a<br>b</p></body></html>",
        "<html><body><p>R&D</p></body></html>",
        "<html><body><p title=\"x>y</p></body></html>",
        "<html><body><p>1 > 0</p></body></html>",
    ] {
        assert!(body_tags(bad, true).is_err(), "{bad} passed");
    }
}

/// axe-core (npm, installed under tests/browser by `scripts/test`), as Chromium loads it.
fn axe_script() -> PathBuf {
    let path = crate::helpers::repo("tests/browser/node_modules/axe-core/axe.min.js");
    assert!(
        path.exists(),
        "{} is missing: run scripts/test, or npm ci --prefix tests/browser",
        path.display()
    );
    path
}

/// What axe-core finds against WCAG 2.1 A and AA (tags wcag2a, wcag2aa, wcag21aa) on the page
/// `html`, loaded in Chromium `width` px wide in the light or the dark colour scheme: one line a
/// violation, naming the rule and the elements. A copy of the page in `dir` runs axe after it
/// loaded and writes the findings into the document, which Chromium then dumps.
pub fn axe(dir: &Path, name: &str, html: &str, width: u32, dark: bool) -> Vec<String> {
    let runner = format!(
        "<script src=\"file://{}\"></script>\n<script>\naxe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] }} }})\n\
         .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', ')))\n\
         .catch(e => ['axe failed: ' + e])\n\
         .then(found => {{ const out = document.createElement('pre'); out.id = 'axe-result'; out.textContent = JSON.stringify(found); document.body.appendChild(out); }});\n</script>\n",
        axe_script().display()
    );
    let page = dir.join(format!("axe-{name}.html"));
    std::fs::write(&page, html.replace("</body>", &format!("{runner}</body>"))).expect("write the page");
    let profile = tempfile::tempdir().unwrap();
    let mut c = command(profile.path());
    c.args(["--dump-dom", "--virtual-time-budget=30000", "--allow-file-access-from-files"])
        .arg(format!("--window-size={width},1000"));
    if dark {
        c.arg("--force-dark-mode");
    }
    let out = c.arg(format!("file://{}", page.display())).output().expect("start chromium");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    let dom = String::from_utf8_lossy(&out.stdout);
    let found = dom
        .split("<pre id=\"axe-result\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| panic!("axe wrote no result into {name}"));
    let json = found.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("axe's result {json}: {e}"))
}
