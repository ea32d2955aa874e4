//! A small tmpfs of the test's own, to inflict a read-only mount: mounted on a
//! fresh temporary folder (it needs root, as in CI), unmounted on drop. Where mounting is not
//! possible, [`Tmpfs::mount`] says so on standard error and returns `None`, and the test skips.

use std::path::Path;
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

    /// Makes the mount read-only (the files stay readable).
    pub fn remount_read_only(&self) {
        let ok = Command::new("mount").args(["-o", "remount,ro"]).arg(self.path()).status().expect("mount");
        assert!(ok.success(), "remount read-only");
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
