//! A real browser for the pages: Debian's headless chromium loads an HTML file, and the test
//! gets the document as chromium built it, every console message (a page without scripts has
//! none, so any one is a failure), and optionally a screenshot. `scripts/ensure-chromium`
//! installs chromium where it is missing; `.ci/run` calls it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What chromium made of a page.
pub struct Rendered {
    /// The document after parsing (`--dump-dom`).
    pub dom: String,
    /// Console messages: errors, warnings, anything the page logged.
    pub console: Vec<String>,
}

/// The chromium binary: `$CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    let path = PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    assert!(path.exists(), "{} is missing: run scripts/ensure-chromium (or set CHROMIUM)", path.display());
    path
}

/// The flags of a quiet, sandboxed-off headless run on this machine's closed network.
fn command(profile: &Path) -> Command {
    let mut c = Command::new(chromium());
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
