//! A small tmpfs of the test's own, to inflict a full disk or a read-only mount: mounted on a
//! fresh temporary folder (it needs root, as in CI), unmounted on drop. Where mounting is not
//! possible, [`Tmpfs::mount`] says so on standard error and returns `None`, and the test skips.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// A tmpfs of `bytes`, or `None` (with the reason printed) where mounting is impossible.
    pub fn mount(bytes: u64, test: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            Ok(o) => skip(test, &String::from_utf8_lossy(&o.stderr)),
            Err(e) => skip(test, &e.to_string()),
        }
    }

    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills it so that only about `free` bytes are left; [`Tmpfs::unfill`] gives them back.
    pub fn fill(&self, free: u64) {
        let available = self.available();
        if available > free {
            let filler = std::fs::File::create(self.filler()).expect("filler");
            // Written, not only sized: tmpfs reserves the pages that are written.
            let chunk = vec![0u8; 1 << 16];
            let mut left = available - free;
            let mut w = std::io::BufWriter::new(filler);
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                if std::io::Write::write_all(&mut w, &chunk[..n]).is_err() {
                    break;
                }
                left -= n as u64;
            }
            let _ = std::io::Write::flush(&mut w);
        }
    }

    /// Removes what [`Tmpfs::fill`] wrote.
    pub fn unfill(&self) {
        let _ = std::fs::remove_file(self.filler());
    }

    /// Makes the mount read-only (the files stay readable).
    pub fn remount_read_only(&self) {
        let ok = Command::new("mount").args(["-o", "remount,ro"]).arg(self.path()).status().expect("mount");
        assert!(ok.success(), "remount read-only");
    }

    fn filler(&self) -> PathBuf {
        self.path().join(".filler")
    }

    /// Bytes still free, as `df` counts them.
    pub fn available(&self) -> u64 {
        let out = Command::new("df").args(["--output=avail", "-B1"]).arg(self.path()).output().expect("df");
        String::from_utf8_lossy(&out.stdout).lines().nth(1).and_then(|l| l.trim().parse().ok()).unwrap_or(0)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

fn skip(test: &str, why: &str) -> Option<Tmpfs> {
    eprintln!(
        "SKIPPED {test}: cannot mount a tmpfs here ({}); run the tests as root to inflict it",
        why.trim()
    );
    None
}
