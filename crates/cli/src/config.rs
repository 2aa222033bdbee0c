//! Configuration: built-in defaults, then `civicdesk.toml`, then `CIVICDESK_*` environment
//! variables and command-line flags (clap reads both; a flag wins over its variable).

use anyhow::{Context, Result};
use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Options shared by the commands that open the database.
#[derive(Debug, Clone, Default, Args)]
pub struct DbArgs {
    /// Database URL: sqlite://path/to/file.db or postgres://user@host/db [default: sqlite://<data-dir>/civicdesk.db]
    #[arg(long, env = "CIVICDESK_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite file and uploaded media [default: ./civicdesk-data]
    #[arg(long, env = "CIVICDESK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
}

/// Options of the commands that serve HTTP.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "CIVICDESK_BIND")]
    pub bind: Option<String>,
    /// Public base URL used in links (media, discovery) [default: http://<bind>]
    #[arg(long, env = "CIVICDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Jurisdiction that answers /open311/v2/ when a request names none
    #[arg(long, env = "CIVICDESK_DEFAULT_JURISDICTION")]
    pub default_jurisdiction: Option<String>,
    /// Maximum database connections of this node [default: 16]
    #[arg(long, env = "CIVICDESK_MAX_CONNECTIONS")]
    pub max_connections: Option<u32>,
    /// Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR blocks, comma
    /// separated) [default: none: the peer address is the client]
    #[arg(
        long = "trusted-proxy",
        env = "CIVICDESK_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
}

/// The contents of `civicdesk.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub public_url: Option<String>,
    pub default_jurisdiction: Option<String>,
    pub max_connections: Option<u32>,
    pub log_format: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
}

impl FileConfig {
    /// Reads `path`, or `./civicdesk.toml` if it exists and no path was given.
    pub fn load(path: Option<&Path>) -> Result<FileConfig> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("civicdesk.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("reading {}", path.display()))
            }
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(FileConfig::default())
            }
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// The effective settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub bind: String,
    pub public_url: String,
    pub default_jurisdiction: Option<String>,
    pub max_connections: u32,
    pub trusted_proxies: Vec<String>,
}

impl Settings {
    pub fn resolve(file: &FileConfig, db: &DbArgs, serve: &ServeArgs) -> Settings {
        let data_dir = db
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("civicdesk-data"));
        let database_url = db
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("civicdesk.db").display()));
        let bind = serve
            .bind
            .clone()
            .or_else(|| file.bind.clone())
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let public_url = serve
            .public_url
            .clone()
            .or_else(|| file.public_url.clone())
            .unwrap_or_else(|| format!("http://{bind}"));
        Settings {
            database_url,
            data_dir,
            public_url,
            default_jurisdiction: serve
                .default_jurisdiction
                .clone()
                .or_else(|| file.default_jurisdiction.clone()),
            max_connections: serve.max_connections.or(file.max_connections).unwrap_or(16),
            trusted_proxies: if serve.trusted_proxies.is_empty() {
                file.trusted_proxies.clone().unwrap_or_default()
            } else {
                serve.trusted_proxies.clone()
            },
            bind,
        }
    }

    /// The database URL with any password hidden, for printing.
    pub fn database_url_redacted(&self) -> String {
        match self.database_url.split_once("://") {
            Some((scheme, rest)) => match rest.split_once('@') {
                Some((user, host)) => {
                    let user = user.split(':').next().unwrap_or("");
                    format!("{scheme}://{user}:***@{host}")
                }
                None => self.database_url.clone(),
            },
            None => self.database_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file: FileConfig =
            toml::from_str("bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/cd\"").unwrap();
        let s = Settings::resolve(&file, &DbArgs::default(), &ServeArgs::default());
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.database_url, "sqlite:///srv/cd/civicdesk.db");
        let flags = ServeArgs {
            bind: Some("127.0.0.1:1".into()),
            ..ServeArgs::default()
        };
        assert_eq!(
            Settings::resolve(&file, &DbArgs::default(), &flags).bind,
            "127.0.0.1:1"
        );
        assert!(
            toml::from_str::<FileConfig>("bnid = 1").is_err(),
            "typos are reported"
        );
    }

    #[test]
    fn passwords_are_hidden() {
        let db = DbArgs {
            database_url: Some("postgres://cd:secret@db:5432/cd".into()),
            ..DbArgs::default()
        };
        let s = Settings::resolve(&FileConfig::default(), &db, &ServeArgs::default());
        assert_eq!(s.database_url_redacted(), "postgres://cd:***@db:5432/cd");
    }
}
