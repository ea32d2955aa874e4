//! The service's keys: secrets read from systemd's credentials (`credential:NAME`, with a key
//! made the way the README's installation makes it), the database's timeouts, the admin
//! address. Each bad value is exit status 2 naming the key.

use crate::helpers::{Engine, Env};
use crate::import::three_permits;

/// A privacy key made as the README's installation makes it.
fn readme_key(dir: &std::path::Path) {
    let made = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 077; head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \\n' > {}/privacy-key",
            dir.display()
        ))
        .status()
        .unwrap();
    assert!(made.success());
}

#[test]
fn secrets_written_as_credentials_are_read_from_the_credentials_directory() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let credentials = env.path("credentials");
    std::fs::create_dir(&credentials).unwrap();
    readme_key(&credentials);
    std::fs::write(credentials.join("smtp-password"), "s3cret\n").unwrap();
    env.write_config(
        "[privacy]\nkey_file = \"credential:privacy-key\"\n[mail]\ntransport = \"smtp\"\n\
         [mail.smtp]\nusername = \"digest\"\npassword_file = \"credential:smtp-password\"\n",
    );
    let import = |dir: Option<&std::path::Path>| {
        let mut c = env.command(&["import", "permits", &env.file("p.csv", &three_permits())]);
        if let Some(dir) = dir {
            c.env("CREDENTIALS_DIRECTORY", dir);
        }
        c.output().unwrap()
    };
    let out = import(Some(&credentials));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!env.path("privacy.key").exists(), "the key file of the test configuration was made");

    let out = import(None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // The mail settings are checked first: the first key that needs the folder is named.
    assert!(
        stderr.contains("mail.smtp.password_file") && stderr.contains("CREDENTIALS_DIRECTORY"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    std::fs::remove_file(credentials.join("smtp-password")).unwrap();
    let out = import(Some(&credentials));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("mail.smtp.password_file") && stderr.contains("\"smtp-password\" is not in"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn bad_timeouts_and_admin_addresses_are_configuration_errors_naming_the_key() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    for (toml, key) in [
        ("[database]\nconnect_timeout_seconds = 0\n", "database.connect_timeout_seconds"),
        ("[database]\nstatement_timeout_seconds = 0\n", "database.statement_timeout_seconds"),
        ("[database]\nlock_timeout_seconds = -1\n", "lock_timeout_seconds"),
        ("[admin]\nlisten = \"localhost\"\n", "admin.listen"),
        ("[privacy]\nkey_file = \"credential:../key\"\n", "privacy.key_file"),
    ] {
        env.write_config(toml);
        let r = env.run(&["check-config"]);
        assert_eq!(r.code(), 2, "{toml}: {}", r.stderr());
        assert!(r.stderr().contains(key), "{toml}: {}", r.stderr());
    }
}

#[test]
fn an_admin_address_in_use_stops_the_daemon_at_start_with_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let env = Env::new(Engine::Sqlite, &format!("[admin]\nlisten = \"127.0.0.1:{port}\"\n")).unwrap();
    let r = env.run(&["run"]);
    assert_eq!(r.code(), 1, "{}", r.stderr());
    let last = r.stderr().lines().last().unwrap_or("").to_string();
    assert!(
        last.contains("admin.listen: cannot listen on 127.0.0.1:") && last.contains(&port.to_string()),
        "{}",
        r.stderr()
    );
}
