//! What Settings, *Team history* holds: where the shared database is and how to reach it. The
//! password is not here: it lives in the OS keychain like every other secret and is passed in
//! when a pool is opened.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The non-secret settings of the team database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamSettings {
    /// A host name, an IP address, or a Unix-socket folder (`/run/postgresql`).
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// A PEM file of the private CA that signed the server's certificate, when the system's
    /// roots do not include it.
    #[serde(default)]
    #[ts(optional)]
    pub ca_file: Option<String>,
    /// Require TLS to this computer too (always required to any other host).
    #[serde(default)]
    pub require_tls: bool,
}

impl TeamSettings {
    /// Whether the server is this computer: loopback addresses, `localhost`, or a Unix socket.
    pub fn is_this_computer(&self) -> bool {
        let h = self.host.trim();
        h.starts_with('/')
            || h.eq_ignore_ascii_case("localhost")
            || h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// TLS is required to any host that is not this computer, and wherever the user asked.
    pub fn tls_required(&self) -> bool {
        self.require_tls || !self.is_this_computer()
    }

    /// The first thing wrong with the settings, as a sentence, before anything is tried.
    pub fn problem(&self) -> Option<String> {
        if self.host.trim().is_empty() {
            return Some("Enter the team database's host: its name or address.".into());
        }
        if self.port == 0 {
            return Some("Enter the team database's port: usually 5432.".into());
        }
        if self.database.trim().is_empty() {
            return Some("Enter the name of the team database.".into());
        }
        if self.user.trim().is_empty() {
            return Some("Enter the user name Subdesk signs in to the team database with.".into());
        }
        if self.host.starts_with('/') && self.tls_required() {
            return Some(
                "TLS cannot be used over a Unix socket: turn off \"Require TLS\" or enter the server's host name."
                    .into(),
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(host: &str) -> TeamSettings {
        TeamSettings {
            host: host.into(),
            port: 5432,
            database: "subdesk".into(),
            user: "subdesk_app".into(),
            ca_file: None,
            require_tls: false,
        }
    }

    #[test]
    fn tls_is_required_to_every_host_but_this_computer() {
        for local in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.8.9.1",
            "::1",
            "[::1]",
            "/run/postgresql",
        ] {
            assert!(!at(local).tls_required(), "{local} is this computer");
        }
        for remote in [
            "db.example.org",
            "10.0.0.5",
            "192.168.1.2",
            "::2",
            "localhost.example.org",
        ] {
            assert!(at(remote).tls_required(), "{remote} is another computer");
        }
        let mut asked = at("localhost");
        asked.require_tls = true;
        assert!(asked.tls_required());
    }

    #[test]
    fn settings_problems_are_sentences_about_the_field() {
        assert_eq!(
            at("").problem().unwrap(),
            "Enter the team database's host: its name or address."
        );
        let mut s = at("db");
        s.port = 0;
        assert!(s.problem().unwrap().contains("port"));
        let mut s = at("/run/postgresql");
        s.require_tls = true;
        assert!(s
            .problem()
            .unwrap()
            .starts_with("TLS cannot be used over a Unix socket"));
        assert_eq!(at("db.example.org").problem(), None);
    }

    #[test]
    fn settings_saved_without_the_optional_fields_still_load() {
        let s: TeamSettings =
            serde_json::from_str(r#"{"host":"db","port":5432,"database":"subdesk","user":"dana"}"#)
                .unwrap();
        assert_eq!(s.ca_file, None);
        assert!(!s.require_tls);
    }
}
