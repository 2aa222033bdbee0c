//! `civicdesk backup <dir>` and `civicdesk restore <dir>` for SQLite instances.
//!
//! A backup directory holds `civicdesk.db` (an online snapshot: `VACUUM INTO`, one read
//! transaction, consistent while the server keeps writing), `media/` (the uploaded photos,
//! copied after the snapshot, so every photo the snapshot refers to is there), and
//! `manifest.json`, written last: a directory without it is not a backup. Restore checks the
//! manifest's checksums and `PRAGMA integrity_check` on a copy written beside the live files,
//! then swaps them in with renames, keeping what it replaced. PostgreSQL is backed up with
//! `pg_dump`; both commands say how instead of doing it.

use crate::config::Settings;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use store::backup::FileFacts;

pub const FORMAT: &str = "civicdesk-backup/1";
const DB_FILE: &str = "civicdesk.db";
const MANIFEST: &str = "manifest.json";

/// `manifest.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub civicdesk_version: String,
    pub database: DatabaseFile,
    pub schema_migrations: Vec<MigrationEntry>,
    /// Cases of every jurisdiction in the snapshot.
    pub cases: i64,
    pub media: Vec<MediaFile>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseFile {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MigrationEntry {
    /// Absent from manifests written before migrations were keyed by module: `core`.
    #[serde(default = "core_module")]
    pub module: String,
    pub version: i64,
    pub name: String,
    pub checksum: String,
}

fn core_module() -> String {
    store::migrate::CORE.to_string()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaFile {
    /// Relative to `media/`, with `/` separators.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

pub async fn backup(settings: &Settings, dir: &Path) -> Result<()> {
    let Some(db_path) = store::backup::sqlite_path(&settings.database_url) else {
        bail!(postgres_backup_help(settings, dir));
    };
    if !db_path.is_file() {
        bail!("there is no database at {}", db_path.display());
    }
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!(
            "{} is not empty: back up into a new directory (one per backup)",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;

    let partial = dir.join(format!("{DB_FILE}.partial"));
    let db = store::Db::connect(&settings.database_url, 2)
        .await
        .with_context(|| format!("opening {}", db_path.display()))?;
    let snapshot = store::backup::snapshot(&db, &partial).await;
    db.close().await;
    snapshot.context("writing the database snapshot")?;
    let facts = store::backup::inspect(&partial).await?;
    if !facts.integrity_problems.is_empty() {
        bail!(
            "the live database fails PRAGMA integrity_check, so no backup was written: {}",
            facts.integrity_problems.join("; ")
        );
    }
    let (bytes, sha256) = hash_file(&partial)?;
    std::fs::rename(&partial, dir.join(DB_FILE))?;

    let media_dir = settings.data_dir.join("media");
    let target = dir.join("media");
    let media = tokio::task::spawn_blocking(move || copy_media_tree(&media_dir, &target))
        .await
        .context("copying media")??;

    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: now_rfc3339(),
        civicdesk_version: env!("CARGO_PKG_VERSION").into(),
        database: DatabaseFile {
            file: DB_FILE.into(),
            bytes,
            sha256,
        },
        schema_migrations: migration_entries(&facts),
        cases: facts.cases,
        media,
    };
    write_durably(&dir.join(MANIFEST), &serde_json::to_vec_pretty(&manifest)?)?;
    sync_dir(dir)?;
    println!(
        "backed up {} cases (schema version {}), {} media files, to {}",
        manifest.cases,
        manifest
            .schema_migrations
            .last()
            .map(|m| m.version)
            .unwrap_or(0),
        manifest.media.len(),
        dir.display()
    );
    println!("database sha256 {}", manifest.database.sha256);
    Ok(())
}

pub async fn restore(settings: &Settings, dir: &Path, force: bool) -> Result<()> {
    let Some(db_path) = store::backup::sqlite_path(&settings.database_url) else {
        bail!(postgres_restore_help(settings, dir));
    };
    let mut manifest = read_manifest(dir)?;
    refuse_if_in_use(&db_path, force).await?;

    let parent = db_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&parent)?;
    std::fs::create_dir_all(&settings.data_dir)?;
    let staged = sibling(&db_path, ".restoring");
    let _ = std::fs::remove_file(&staged);
    let (bytes, sha256) = copy_hashing(&dir.join(DB_FILE), &staged)
        .with_context(|| format!("reading {}", dir.join(DB_FILE).display()))?;
    let verified = verify_database(&manifest, &staged, bytes, &sha256).await;
    if let Err(e) = verified {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }

    let media_dir = settings.data_dir.join("media");
    let staged_media = sibling(&media_dir, ".restoring");
    if staged_media.exists() {
        std::fs::remove_dir_all(&staged_media)?;
    }
    let from = dir.join("media");
    let to = staged_media.clone();
    let files = std::mem::take(&mut manifest.media);
    let copied = tokio::task::spawn_blocking(move || restore_media(&from, &to, &files))
        .await
        .context("copying media")?;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&staged);
        let _ = std::fs::remove_dir_all(&staged_media);
        return Err(e);
    }

    // Checked again just before the swap: a server may have started meanwhile. This also
    // folds the old database's WAL into it, so the copy kept aside is complete.
    refuse_if_in_use(&db_path, force).await?;
    // The wall clock on purpose: a name for the files kept aside, not a time the services keep.
    let stamp = format!(".pre-restore-{}", store::now_unix());
    let mut kept = Vec::new();
    if db_path.exists() {
        let old = sibling(&db_path, &stamp);
        std::fs::hard_link(&db_path, &old)
            .or_else(|_| std::fs::copy(&db_path, &old).map(|_| ()))
            .with_context(|| format!("keeping the old database as {}", old.display()))?;
        kept.push(old);
    }
    if media_dir.exists() {
        let old = sibling(&media_dir, &stamp);
        std::fs::rename(&media_dir, &old)?;
        kept.push(old);
    }
    std::fs::rename(&staged_media, &media_dir)?;
    // The commit point: one rename replaces the database file.
    std::fs::rename(&staged, &db_path)?;
    // A WAL left beside the path belongs to the old file; replayed onto the restored one it
    // would corrupt it. It moves aside with the old file (SQLite finds it by that name).
    let wal = sibling(&db_path, "-wal");
    if wal.exists() {
        let old_wal = sibling(&sibling(&db_path, &stamp), "-wal");
        std::fs::rename(&wal, &old_wal)?;
    }
    let _ = std::fs::remove_file(sibling(&db_path, "-shm"));
    sync_dir(&parent)?;
    sync_dir(&settings.data_dir)?;

    println!(
        "restored {} cases (schema version {}) from the backup of {} into {}",
        manifest.cases,
        manifest
            .schema_migrations
            .last()
            .map(|m| m.version)
            .unwrap_or(0),
        manifest.created_at,
        db_path.display()
    );
    for k in kept {
        println!(
            "kept what it replaced as {} (delete it once the restore is checked)",
            k.display()
        );
    }
    println!(
        "next: civicdesk verify-audit, then start civicdesk serve (it applies any newer migrations)"
    );
    Ok(())
}

async fn refuse_if_in_use(db_path: &Path, force: bool) -> Result<()> {
    if store::backup::in_use(db_path).await? {
        if !force {
            bail!(
                "{} is in use by another process (a running civicdesk serve?): stop it first. \
                 --force restores anyway, but a server that keeps running writes into the \
                 replaced file and its changes are lost",
                db_path.display()
            );
        }
        eprintln!(
            "warning: {} is in use; restoring anyway (--force). Restart every process that had it open.",
            db_path.display()
        );
    }
    Ok(())
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} has no {MANIFEST}: it is not a complete civicdesk backup (the manifest is written last)",
            dir.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let manifest: Manifest = serde_json::from_slice(&text)
        .with_context(|| format!("the backup is damaged: {} is unreadable", path.display()))?;
    if manifest.format != FORMAT {
        bail!(
            "{} is a {:?} backup; this civicdesk reads {FORMAT:?}",
            dir.display(),
            manifest.format
        );
    }
    if manifest.database.file != DB_FILE {
        bail!("the backup is damaged: its manifest names an unexpected database file");
    }
    Ok(manifest)
}

/// Checks the copied database against the manifest and `PRAGMA integrity_check`.
async fn verify_database(manifest: &Manifest, staged: &Path, bytes: u64, sha: &str) -> Result<()> {
    if sha != manifest.database.sha256 || bytes != manifest.database.bytes {
        bail!(
            "the backup is corrupt: {DB_FILE} has sha256 {sha} ({bytes} bytes) but the manifest \
             says {} ({} bytes). Nothing was restored.",
            manifest.database.sha256,
            manifest.database.bytes
        );
    }
    let facts = store::backup::inspect(staged)
        .await
        .map_err(|e| anyhow::anyhow!("the backup is corrupt: {DB_FILE} cannot be read: {e}"))?;
    if !facts.integrity_problems.is_empty() {
        let mut shown: Vec<_> = facts.integrity_problems.iter().take(5).cloned().collect();
        if facts.integrity_problems.len() > 5 {
            shown.push(format!("… {} more", facts.integrity_problems.len() - 5));
        }
        bail!(
            "the backup is corrupt: {DB_FILE} fails PRAGMA integrity_check: {}. Nothing was restored.",
            shown.join("; ")
        );
    }
    let unknown = facts.unknown_migrations(&web::Modules::migration_sets());
    if !unknown.is_empty() {
        bail!(
            "the backup has schema migrations {unknown:?}, which this civicdesk ({}) does not know: \
             restore it with civicdesk {} or newer",
            env!("CARGO_PKG_VERSION"),
            manifest.civicdesk_version
        );
    }
    if migration_entries(&facts) != manifest.schema_migrations || facts.cases != manifest.cases {
        bail!(
            "the backup is corrupt: {DB_FILE} holds {} cases and migrations {:?}, the manifest \
             says {} cases and {:?}",
            facts.cases,
            facts
                .migrations
                .iter()
                .map(|m| m.version)
                .collect::<Vec<_>>(),
            manifest.cases,
            manifest
                .schema_migrations
                .iter()
                .map(|m| m.version)
                .collect::<Vec<_>>()
        );
    }
    Ok(())
}

fn migration_entries(facts: &FileFacts) -> Vec<MigrationEntry> {
    facts
        .migrations
        .iter()
        .map(|m| MigrationEntry {
            module: m.module.clone(),
            version: m.version,
            name: m.name.clone(),
            checksum: m.checksum.clone(),
        })
        .collect()
}

/// Copies the files under `from` into `to` (created even when `from` is missing), hashing each.
/// Files still being written (`*.part`) are skipped.
fn copy_media_tree(from: &Path, to: &Path) -> Result<Vec<MediaFile>> {
    std::fs::create_dir_all(to)?;
    let mut out = Vec::new();
    if !from.exists() {
        return Ok(out);
    }
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        for entry in std::fs::read_dir(from.join(&rel))? {
            let entry = entry?;
            let name = rel.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                std::fs::create_dir_all(to.join(&name))?;
                pending.push(name);
            } else if kind.is_file() && name.extension().is_none_or(|e| e != "part") {
                let (bytes, sha256) = match copy_hashing(&from.join(&name), &to.join(&name)) {
                    Ok(done) => done,
                    // Removed since it was listed (a case whose filing failed).
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e).with_context(|| format!("copying {}", name.display())),
                };
                let path = name
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(MediaFile {
                    path,
                    bytes,
                    sha256,
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    sync_dir(to)?;
    Ok(out)
}

/// Copies the manifest's media files from the backup into `to`, checking each checksum.
fn restore_media(from: &Path, to: &Path, files: &[MediaFile]) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for f in files {
        let rel = Path::new(&f.path);
        if f.path.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            bail!(
                "the backup is damaged: its manifest names the media path {:?}",
                f.path
            );
        }
        if let Some(dir) = rel.parent() {
            std::fs::create_dir_all(to.join(dir))?;
        }
        let (bytes, sha256) = copy_hashing(&from.join(rel), &to.join(rel))
            .with_context(|| format!("the backup is incomplete: media/{}", f.path))?;
        if bytes != f.bytes || sha256 != f.sha256 {
            bail!(
                "the backup is corrupt: media/{} does not match its checksum in the manifest. Nothing was restored.",
                f.path
            );
        }
    }
    sync_dir(to)?;
    Ok(())
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Copies `from` to a new file `to`, synced to disk; returns its size and SHA-256.
fn copy_hashing(from: &Path, to: &Path) -> std::io::Result<(u64, String)> {
    let mut source = File::open(from)?;
    let mut sink = Hashing {
        inner: File::create(to)?,
        hasher: Sha256::new(),
        bytes: 0,
    };
    std::io::copy(&mut source, &mut sink)?;
    sink.inner.sync_all()?;
    Ok((sink.bytes, hex::encode(sink.hasher.finalize())))
}

fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

fn write_durably(path: &Path, content: &[u8]) -> Result<()> {
    let tmp = sibling(path, ".partial");
    let mut f = File::create(&tmp)?;
    f.write_all(content)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Makes renames and new files in `dir` durable.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// When a backup was taken, for its manifest: the wall clock on purpose, as a backup runs
/// outside the services (and their clock) and records when the copy was really made.
fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A PostgreSQL URL without its password (given through `PGPASSWORD` or `~/.pgpass`), with
/// another database name if `database` is given.
fn url_without_password(url: &str, database: Option<&str>) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let rest = match rest.rsplit_once('@') {
        Some((user, host)) => format!("{}@{host}", user.split(':').next().unwrap_or("")),
        None => rest.to_string(),
    };
    let rest = match database {
        Some(name) => {
            let (path, query) = rest
                .split_once('?')
                .map_or((rest.as_str(), ""), |(p, q)| (p, q));
            let host = path.split_once('/').map_or(path, |(h, _)| h);
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            format!("{host}/{name}{query}")
        }
        None => rest,
    };
    format!("{scheme}://{rest}")
}

/// The answer to `civicdesk backup` on PostgreSQL: the commands to run instead.
pub fn postgres_backup_help(settings: &Settings, dir: &Path) -> String {
    let url = url_without_password(&settings.database_url, None);
    let dir = dir.display();
    let media = settings.data_dir.join("media");
    let media = media.display();
    format!(
        "civicdesk backup copies SQLite databases only; this instance uses PostgreSQL.\n\
         Back it up with pg_dump, which reads one consistent snapshot while the nodes keep serving,\n\
         then copy the media directory (after the dump, so every photo it refers to is there):\n\n\
         \x20 mkdir -p {dir}\n\
         \x20 pg_dump --format=custom --no-owner --file={dir}/civicdesk.pgdump '{url}'\n\
         \x20 rsync -a {media}/ {dir}/media/\n\n\
         Give the password through PGPASSWORD or ~/.pgpass. See docs/OPERATIONS.md."
    )
}

/// The answer to `civicdesk restore` on PostgreSQL.
pub fn postgres_restore_help(settings: &Settings, dir: &Path) -> String {
    let url = url_without_password(&settings.database_url, None);
    let restored = url_without_password(&settings.database_url, Some("civicdesk_restored"));
    let dir = dir.display();
    let media = settings.data_dir.join("media");
    let media = media.display();
    format!(
        "civicdesk restore writes SQLite databases only; this instance uses PostgreSQL ({url}).\n\
         Stop every civicdesk node, restore the dump into a new database with pg_restore, and put\n\
         the media directory back:\n\n\
         \x20 psql '{url}' -c 'CREATE DATABASE civicdesk_restored'\n\
         \x20 pg_restore --exit-on-error --no-owner --dbname='{restored}' {dir}/civicdesk.pgdump\n\
         \x20 rsync -a --delete {dir}/media/ {media}/\n\n\
         then point CIVICDESK_DATABASE_URL at the new database, run civicdesk verify-audit, and\n\
         start the nodes. See docs/OPERATIONS.md."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_append_to_the_file_name() {
        assert_eq!(
            sibling(Path::new("/srv/cd/civicdesk.db"), "-wal"),
            PathBuf::from("/srv/cd/civicdesk.db-wal")
        );
        assert_eq!(
            sibling(Path::new("data/media"), ".restoring"),
            PathBuf::from("data/media.restoring")
        );
    }

    #[test]
    fn postgres_commands_never_carry_the_password() {
        assert_eq!(
            url_without_password(
                "postgres://cd:s3cret@db:5432/civicdesk?sslmode=require",
                None
            ),
            "postgres://cd@db:5432/civicdesk?sslmode=require"
        );
        assert_eq!(
            url_without_password(
                "postgresql://cd:s3cret@db/civicdesk",
                Some("civicdesk_restored")
            ),
            "postgresql://cd@db/civicdesk_restored"
        );
        assert_eq!(
            url_without_password("postgres://db/cd?x=1", Some("r")),
            "postgres://db/r?x=1"
        );
    }

    #[test]
    fn media_paths_that_leave_the_directory_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for path in ["../escape.jpg", "/etc/passwd", "a/../../b.jpg", ""] {
            let files = [MediaFile {
                path: path.into(),
                bytes: 0,
                sha256: String::new(),
            }];
            let err = restore_media(dir.path(), &dir.path().join("to"), &files).unwrap_err();
            assert!(err.to_string().contains("damaged"), "{path}: {err}");
        }
    }
}
