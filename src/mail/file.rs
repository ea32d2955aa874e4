//! The file transport: each message becomes `<dir>/<Message-ID>.eml`. The file is written under
//! a temporary name, synced and renamed into place, so a crash never leaves half a mail, and a
//! retry of the same message replaces the same file instead of adding a second one.

use super::{message, SendError};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` as the `.eml` file of `message_id` in `dir` (created when missing).
pub(super) async fn write_eml(dir: &Path, message_id: &str, bytes: Vec<u8>) -> Result<(), SendError> {
    let dir = dir.to_path_buf();
    let path = dir.join(format!("{}.eml", message::file_stem(message_id)));
    let target = path.clone();
    tokio::task::spawn_blocking(move || write_atomically(&dir, &target, &bytes))
        .await
        .map_err(|e| SendError::File { path: path.clone(), source: io::Error::other(e) })?
        .map_err(|source| SendError::File { path, source })
}

/// Temporary file, sync, rename, then a best-effort sync of the folder so the rename lasts.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let tmp = temporary_name(path);
    let written = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        // Nothing else writes this name; a leftover would only be clutter.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(folder) = fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// `.<name>.<pid>.tmp` beside the target: hidden, not `.eml`, and distinct per process.
fn temporary_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use crate::mail::{Mailer, OutgoingMail};
    use chrono::TimeZone;

    fn mail(message_id: &str, text: &str) -> OutgoingMail {
        OutgoingMail {
            message_id: message_id.into(),
            from: "permit-followup@localhost".into(),
            to: vec!["study-unit@localhost".into()],
            subject: "1 new follow-up task for Study permits unit".into(),
            text: text.into(),
            html: "<p>UT-1</p>".into(),
            date: chrono::Utc.with_ymd_and_hms(2026, 11, 23, 6, 0, 0).unwrap(),
        }
    }

    fn files(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn each_message_id_is_one_eml_file_and_a_resend_overwrites_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("outbox/new");
        let mailer = Mailer::File(dir.clone());
        mailer
            .send(&mail("digest-1.aa@permit-followup", "UT-1  emigrated  due 2026-12-04  high\n"))
            .await
            .unwrap();
        mailer
            .send(&mail("digest-1.aa@permit-followup", "UT-1  emigrated  due 2026-12-04  urgent\n"))
            .await
            .unwrap();
        mailer
            .send(&mail("digest-2.bb@permit-followup", "UT-2  emigrated  due 2026-12-04  high\n"))
            .await
            .unwrap();

        assert_eq!(files(&dir), ["digest-1.aa@permit-followup.eml", "digest-2.bb@permit-followup.eml"]);
        let eml = std::fs::read_to_string(dir.join("digest-1.aa@permit-followup.eml")).unwrap();
        assert!(eml.contains("Message-ID: <digest-1.aa@permit-followup>\r\n"));
        assert!(eml.contains("UT-1  emigrated  due 2026-12-04  urgent"), "the second send wins: {eml}");
        assert!(!eml.contains("due 2026-12-04  high"));
        assert!(mailer.describe().contains("outbox"));
    }

    #[tokio::test]
    async fn an_unwritable_folder_names_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("not-a-folder");
        std::fs::write(&blocker, "").unwrap();
        let err = Mailer::File(blocker.join("outbox")).send(&mail("digest-3.cc@h", "x\n")).await.unwrap_err();
        assert!(err.to_string().contains("not-a-folder/outbox/digest-3.cc@h.eml"), "{err}");
    }
}
