//! Secrets handed over by systemd (`LoadCredential=`, docs/REFERENCE.md §8.1): a path key
//! written `credential:NAME` means the file `NAME` in the folder that `$CREDENTIALS_DIRECTORY`
//! names. systemd copies the credential there, readable by the service alone, so the SMTP
//! password and the privacy key need not lie in a folder the service can write to.

use super::ConfigError;
use std::path::{Path, PathBuf};

/// The variable systemd sets to the folder of the service's credentials.
pub const CREDENTIALS_ENV: &str = "CREDENTIALS_DIRECTORY";

/// The prefix that marks a path key as a credential name.
const PREFIX: &str = "credential:";

/// The file a path key names: `credential:NAME` inside `credentials` (the folder
/// `$CREDENTIALS_DIRECTORY` names), anything else as written.
pub fn resolve(key: &str, value: &str, credentials: Option<&Path>) -> Result<PathBuf, ConfigError> {
    let Some(name) = value.strip_prefix(PREFIX) else {
        return Ok(PathBuf::from(value));
    };
    let err = |why: String| ConfigError(format!("{key}: {why}"));
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(err(format!("{value:?}: a credential name is a plain file name")));
    }
    let Some(dir) = credentials.filter(|d| !d.as_os_str().is_empty()) else {
        return Err(err(format!(
            "{value:?} needs ${CREDENTIALS_ENV}, which systemd sets for a service with \
             LoadCredential={name}:...; it is not set"
        )));
    };
    let path = dir.join(name);
    if !path.is_file() {
        return Err(err(format!("credential {name:?} is not in ${CREDENTIALS_ENV} ({})", dir.display())));
    }
    Ok(path)
}

/// `$CREDENTIALS_DIRECTORY`, when set.
pub fn directory() -> Option<PathBuf> {
    std::env::var_os(CREDENTIALS_ENV).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_is_taken_as_written() {
        assert_eq!(
            resolve("privacy.key_file", "var/privacy.key", None).unwrap(),
            PathBuf::from("var/privacy.key")
        );
    }

    #[test]
    fn a_credential_is_the_file_of_that_name_in_the_credentials_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("smtp-password"), "s3cret\n").unwrap();
        let got = resolve("mail.smtp.password_file", "credential:smtp-password", Some(dir.path())).unwrap();
        assert_eq!(got, dir.path().join("smtp-password"));
    }

    #[test]
    fn a_credential_without_the_folder_or_the_file_is_an_error_naming_the_key() {
        let e = resolve("privacy.key_file", "credential:privacy-key", None).unwrap_err().to_string();
        assert!(e.contains("privacy.key_file") && e.contains("CREDENTIALS_DIRECTORY"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e =
            resolve("privacy.key_file", "credential:privacy-key", Some(dir.path())).unwrap_err().to_string();
        assert!(e.contains("privacy.key_file") && e.contains("\"privacy-key\" is not in"), "{e}");
        let e = resolve("privacy.key_file", "credential:../etc/shadow", Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain file name"), "{e}");
    }
}
