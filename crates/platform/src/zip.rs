//! ZIP archives in memory (PKWARE APPNOTE 6.3.10, no ZIP64), of a few megabytes.
//!
//! - [`ZipWriter`] writes them (deflated entries with UTF-8 names): a citizen's data, an
//!   export.
//! - [`read_entries`] reads an archive that came from outside (the data file MyData sends):
//!   stored and deflated entries, found through the central directory, each checked against
//!   its CRC-32, within [`ReadLimits`] counted while inflating (a zip bomb is refused, whatever
//!   its headers claim), and only plain relative names (no `..`, absolute path or backslash).

use flate2::Compression;
use flate2::write::DeflateEncoder;
use std::io::{Read, Write};

/// Why an archive could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("the archive would pass 4 GiB or 65,535 entries (ZIP64 is not written)")]
    TooLarge,
    #[error("compressing {0}: {1}")]
    Compress(String, std::io::Error),
    #[error("not a readable ZIP archive: {0}")]
    Malformed(&'static str),
    #[error("unsupported ZIP feature: {0}")]
    Unsupported(String),
    #[error("the archive has more than {0} entries")]
    TooManyEntries(usize),
    #[error("the archive holds more than {0} bytes uncompressed")]
    TooBig(u64),
    #[error("refused entry name {0:?}: only plain relative names are read")]
    BadName(String),
    #[error("{0} is damaged (its CRC-32 or size does not match)")]
    Damaged(String),
}

struct Entry {
    name: String,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// An archive being written. Every entry carries the same modification time.
pub struct ZipWriter {
    out: Vec<u8>,
    entries: Vec<Entry>,
    /// MS-DOS time and date of `modified`.
    dos: (u16, u16),
}

/// MS-DOS time and date of a local time given as seconds since 1970 (years before 1980 are
/// written as 1980).
fn dos_time(local: i64) -> (u16, u16) {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(local) else {
        return (0, 0x21);
    };
    let year = (t.year() - 1980).clamp(0, 127) as u16;
    let date = (year << 9) | ((u8::from(t.month()) as u16) << 5) | t.day() as u16;
    let time = ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | (t.second() as u16 / 2);
    (time, date)
}

fn u32_of(n: usize) -> Result<u32, ZipError> {
    u32::try_from(n).map_err(|_| ZipError::TooLarge)
}

/// Version 2.0 (deflate); bit 11 of the flags: names are UTF-8.
const VERSION: u16 = 20;
const UTF8: u16 = 1 << 11;
const DEFLATE: u16 = 8;

impl ZipWriter {
    /// An empty archive whose entries are dated `modified_local` (local time, as seconds
    /// since 1970: ZIP stores wall-clock time without a zone).
    pub fn new(modified_local: i64) -> ZipWriter {
        ZipWriter {
            out: Vec::new(),
            entries: Vec::new(),
            dos: dos_time(modified_local),
        }
    }

    /// Adds a file, deflated.
    pub fn add(&mut self, name: &str, data: &[u8]) -> Result<(), ZipError> {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
        let packed = enc
            .write_all(data)
            .and_then(|()| enc.finish())
            .map_err(|e| ZipError::Compress(name.to_string(), e))?;
        let entry = Entry {
            name: name.to_string(),
            crc: crc.sum(),
            compressed: u32_of(packed.len())?,
            size: u32_of(data.len())?,
            offset: u32_of(self.out.len())?,
        };
        let name_len = u16::try_from(name.len()).map_err(|_| ZipError::TooLarge)?;
        let o = &mut self.out;
        o.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        o.extend_from_slice(&VERSION.to_le_bytes());
        o.extend_from_slice(&UTF8.to_le_bytes());
        o.extend_from_slice(&DEFLATE.to_le_bytes());
        o.extend_from_slice(&self.dos.0.to_le_bytes());
        o.extend_from_slice(&self.dos.1.to_le_bytes());
        o.extend_from_slice(&entry.crc.to_le_bytes());
        o.extend_from_slice(&entry.compressed.to_le_bytes());
        o.extend_from_slice(&entry.size.to_le_bytes());
        o.extend_from_slice(&name_len.to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        o.extend_from_slice(name.as_bytes());
        o.extend_from_slice(&packed);
        u32_of(self.out.len())?;
        self.entries.push(entry);
        Ok(())
    }

    /// Writes the central directory and returns the archive's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, ZipError> {
        let count = u16::try_from(self.entries.len()).map_err(|_| ZipError::TooLarge)?;
        let start = u32_of(self.out.len())?;
        for e in &self.entries {
            let o = &mut self.out;
            o.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            o.extend_from_slice(&VERSION.to_le_bytes()); // made by
            o.extend_from_slice(&VERSION.to_le_bytes()); // needed to extract
            o.extend_from_slice(&UTF8.to_le_bytes());
            o.extend_from_slice(&DEFLATE.to_le_bytes());
            o.extend_from_slice(&self.dos.0.to_le_bytes());
            o.extend_from_slice(&self.dos.1.to_le_bytes());
            o.extend_from_slice(&e.crc.to_le_bytes());
            o.extend_from_slice(&e.compressed.to_le_bytes());
            o.extend_from_slice(&e.size.to_le_bytes());
            o.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            o.extend_from_slice(&[0; 2]); // extra field length
            o.extend_from_slice(&[0; 2]); // comment length
            o.extend_from_slice(&[0; 2]); // disk number
            o.extend_from_slice(&[0; 2]); // internal attributes
            o.extend_from_slice(&[0; 4]); // external attributes
            o.extend_from_slice(&e.offset.to_le_bytes());
            o.extend_from_slice(e.name.as_bytes());
        }
        let size = u32_of(self.out.len())? - start;
        let o = &mut self.out;
        o.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        o.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        o.extend_from_slice(&count.to_le_bytes());
        o.extend_from_slice(&count.to_le_bytes());
        o.extend_from_slice(&size.to_le_bytes());
        o.extend_from_slice(&start.to_le_bytes());
        o.extend_from_slice(&[0; 2]); // comment length
        Ok(self.out)
    }
}

/// Bounds on what [`read_entries`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// At most this many entries (directories included).
    pub max_entries: usize,
    /// At most this many bytes, all entries uncompressed, counted while inflating.
    pub max_total_bytes: u64,
}

impl Default for ReadLimits {
    /// 100 entries, 16 MiB.
    fn default() -> ReadLimits {
        ReadLimits {
            max_entries: 100,
            max_total_bytes: 16 * 1024 * 1024,
        }
    }
}

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const STORED: u16 = 0;

/// A little-endian reader over a slice, failing as a malformed archive past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ZipError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(ZipError::Malformed("a record runs past the end"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u16(&mut self) -> Result<u16, ZipError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ZipError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// The offset of the end-of-central-directory record: the last signature from which the record
/// and its comment reach exactly the end.
fn find_end(bytes: &[u8]) -> Result<usize, ZipError> {
    let missing = ZipError::Malformed("no end of central directory");
    let Some(last) = bytes.len().checked_sub(22) else {
        return Err(missing);
    };
    let lowest = last.saturating_sub(usize::from(u16::MAX));
    (lowest..=last)
        .rev()
        .find(|&at| {
            bytes[at..at + 4] == END.to_le_bytes()
                && at + 22 + usize::from(u16::from_le_bytes([bytes[at + 20], bytes[at + 21]]))
                    == bytes.len()
        })
        .ok_or(missing)
}

/// Whether `name` is a plain relative path: not empty, no absolute path, drive, backslash,
/// control character or `.`/`..` component.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.chars().any(char::is_control)
        && !name
            .split('/')
            .next()
            .is_some_and(|first| first.contains(':'))
        && name
            .trim_end_matches('/')
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The files of a ZIP archive, in the order of its central directory, as (name, contents).
/// Directory entries (names ending in `/`) are checked and counted but not returned. Refused:
/// more than `limits.max_entries` entries or `limits.max_total_bytes` uncompressed (counted
/// while inflating), a name that is not plain or appears twice, an entry whose CRC-32 or size
/// does not match, and encryption, ZIP64, multi-disk archives or a method other than stored
/// or deflated.
pub fn read_entries(bytes: &[u8], limits: ReadLimits) -> Result<Vec<(String, Vec<u8>)>, ZipError> {
    let mut end = Cursor {
        bytes,
        at: find_end(bytes)? + 4,
    };
    let (disk, directory_disk) = (end.u16()?, end.u16()?);
    let (here, count) = (end.u16()?, end.u16()?);
    let (size, start) = (end.u32()?, end.u32()?);
    if here == u16::MAX || count == u16::MAX || size == u32::MAX || start == u32::MAX {
        return Err(ZipError::Unsupported("ZIP64".into()));
    }
    if disk != 0 || directory_disk != 0 || here != count {
        return Err(ZipError::Unsupported("an archive split over disks".into()));
    }
    if usize::from(count) > limits.max_entries {
        return Err(ZipError::TooManyEntries(limits.max_entries));
    }
    let mut directory = Cursor {
        bytes,
        at: start as usize,
    };
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut budget = limits.max_total_bytes;
    for _ in 0..count {
        if directory.u32()? != CENTRAL {
            return Err(ZipError::Malformed("a central directory entry"));
        }
        directory.take(4)?; // made by, needed to extract
        let (flags, method) = (directory.u16()?, directory.u16()?);
        directory.take(4)?; // time, date
        let (crc, compressed, size) = (directory.u32()?, directory.u32()?, directory.u32()?);
        let (name_len, extra_len, comment_len) =
            (directory.u16()?, directory.u16()?, directory.u16()?);
        directory.take(8)?; // disk, internal and external attributes
        let offset = directory.u32()?;
        let name = directory.take(usize::from(name_len))?;
        directory.take(usize::from(extra_len) + usize::from(comment_len))?;
        let name = String::from_utf8(name.to_vec())
            .map_err(|e| ZipError::BadName(String::from_utf8_lossy(e.as_bytes()).into_owned()))?;
        if !plain_name(&name) {
            return Err(ZipError::BadName(name));
        }
        if !seen.insert(name.clone()) {
            return Err(ZipError::BadName(name));
        }
        if flags & 1 != 0 {
            return Err(ZipError::Unsupported(format!("{name} is encrypted")));
        }
        if compressed == u32::MAX || size == u32::MAX || offset == u32::MAX {
            return Err(ZipError::Unsupported("ZIP64".into()));
        }
        let mut local = Cursor {
            bytes,
            at: offset as usize,
        };
        if local.u32()? != LOCAL {
            return Err(ZipError::Malformed("a local file header"));
        }
        local.take(22)?; // version .. sizes: the central directory's are the ones read
        let (local_name, local_extra) = (local.u16()?, local.u16()?);
        local.take(usize::from(local_name) + usize::from(local_extra))?;
        let packed = local.take(compressed as usize)?;
        let contents = match method {
            STORED => {
                if packed.len() as u64 > budget {
                    return Err(ZipError::TooBig(limits.max_total_bytes));
                }
                packed.to_vec()
            }
            DEFLATE => {
                let mut contents = Vec::new();
                flate2::read::DeflateDecoder::new(packed)
                    .take(budget.saturating_add(1))
                    .read_to_end(&mut contents)
                    .map_err(|_| ZipError::Damaged(name.clone()))?;
                if contents.len() as u64 > budget {
                    return Err(ZipError::TooBig(limits.max_total_bytes));
                }
                contents
            }
            other => {
                return Err(ZipError::Unsupported(format!(
                    "{name} is compressed with method {other}"
                )));
            }
        };
        budget -= contents.len() as u64;
        let mut check = flate2::Crc::new();
        check.update(&contents);
        if check.sum() != crc || contents.len() as u64 != u64::from(size) {
            return Err(ZipError::Damaged(name));
        }
        if !name.ends_with('/') {
            out.push((name, contents));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_ms_dos_wants_them() {
        // 2026-12-06 23:57:36 (local): 2026-1980 = 46.
        let (time, date) = dos_time(1_796_601_456);
        assert_eq!(date >> 9, 46);
        assert_eq!((date >> 5) & 0xf, 12);
        assert_eq!(date & 0x1f, 6);
        assert_eq!(time >> 11, 23);
        assert_eq!((time >> 5) & 0x3f, 57);
        assert_eq!((time & 0x1f) * 2, 36);
        assert_eq!(dos_time(0).1 >> 9, 0, "1970 is written as 1980");
    }

    #[test]
    fn an_archive_ends_with_a_directory_of_its_entries() {
        let mut z = ZipWriter::new(1_796_601_456);
        z.add("我的資料.json", "{\"a\":1}".as_bytes()).expect("add");
        z.add("b.csv", &[b'x'; 10_000]).expect("add");
        let bytes = z.finish().expect("finish");
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        let end = &bytes[bytes.len() - 22..];
        assert_eq!(&end[..4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 2);
        // Repetition compresses: the second entry is far smaller than its 10,000 bytes.
        assert!(bytes.len() < 1_000, "{}", bytes.len());
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    /// An archive of stored entries written by hand, `(name, contents, crc)` each.
    fn stored(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let (mut out, mut directory) = (Vec::new(), Vec::new());
        for (name, data, crc) in entries {
            let offset = out.len() as u32;
            let (len, name_len) = (data.len() as u32, name.len() as u16);
            for (o, signature) in [(&mut out, LOCAL), (&mut directory, CENTRAL)] {
                o.extend_from_slice(&signature.to_le_bytes());
                if signature == CENTRAL {
                    o.extend_from_slice(&VERSION.to_le_bytes());
                }
                o.extend_from_slice(&VERSION.to_le_bytes());
                o.extend_from_slice(&UTF8.to_le_bytes());
                o.extend_from_slice(&STORED.to_le_bytes());
                o.extend_from_slice(&[0, 0, 0x21, 0]); // 1980-01-01 00:00
                for n in [*crc, len, len] {
                    o.extend_from_slice(&n.to_le_bytes());
                }
                o.extend_from_slice(&name_len.to_le_bytes());
                o.extend_from_slice(&[0; 2]); // extra
                if signature == CENTRAL {
                    o.extend_from_slice(&[0; 10]); // comment, disk, attributes
                    o.extend_from_slice(&offset.to_le_bytes());
                }
                o.extend_from_slice(name.as_bytes());
            }
            out.extend_from_slice(data);
        }
        let (start, size) = (out.len() as u32, directory.len() as u32);
        out.extend_from_slice(&directory);
        out.extend_from_slice(&END.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        let count = entries.len() as u16;
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&[0; 2]);
        out
    }

    fn crc(data: &[u8]) -> u32 {
        let mut c = flate2::Crc::new();
        c.update(data);
        c.sum()
    }

    fn written(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = ZipWriter::new(1_796_601_456);
        for (name, data) in entries {
            z.add(name, data).expect("add");
        }
        z.finish().expect("finish")
    }

    /// The offset of the first central directory entry of `bytes`.
    fn central(bytes: &[u8]) -> usize {
        bytes
            .windows(4)
            .position(|w| w == CENTRAL.to_le_bytes())
            .expect("a central directory")
    }

    #[test]
    fn what_the_writer_writes_reads_back() {
        let big = vec![b'x'; 100_000];
        let bytes = written(&[
            ("我的資料.json", b"{\"a\":1}"),
            ("dir/b.csv", &big),
            ("empty", b""),
        ]);
        let entries = read_entries(&bytes, ReadLimits::default()).expect("read");
        assert_eq!(
            entries,
            vec![
                ("我的資料.json".to_string(), b"{\"a\":1}".to_vec()),
                ("dir/b.csv".to_string(), big),
                ("empty".to_string(), Vec::new()),
            ]
        );
    }

    #[test]
    fn stored_entries_and_directories_are_read() {
        let bytes = stored(&[("d/", b"", 0), ("d/a.txt", b"hello", crc(b"hello"))]);
        let entries = read_entries(&bytes, ReadLimits::default()).expect("read");
        assert_eq!(entries, vec![("d/a.txt".to_string(), b"hello".to_vec())]);
    }

    #[test]
    fn a_wrong_crc_is_refused() {
        let bytes = stored(&[("a.txt", b"hello", crc(b"hello") ^ 1)]);
        assert!(matches!(
            read_entries(&bytes, ReadLimits::default()),
            Err(ZipError::Damaged(name)) if name == "a.txt"
        ));
        // The same in a deflated entry: the directory's CRC no longer matches.
        let mut bytes = written(&[("a.txt", b"hello")]);
        let at = central(&bytes) + 16;
        bytes[at] ^= 0xff;
        assert!(matches!(
            read_entries(&bytes, ReadLimits::default()),
            Err(ZipError::Damaged(_))
        ));
    }

    #[test]
    fn a_bomb_is_refused_while_inflating_whatever_its_headers_say() {
        let limits = ReadLimits {
            max_entries: 10,
            max_total_bytes: 1024 * 1024,
        };
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let mut bytes = written(&[("zeros", &zeros)]);
        assert!(bytes.len() < 10_000, "{}", bytes.len());
        assert!(matches!(
            read_entries(&bytes, limits),
            Err(ZipError::TooBig(n)) if n == 1024 * 1024
        ));
        // The directory claims 10 bytes: still counted while inflating.
        let at = central(&bytes) + 24;
        bytes[at..at + 4].copy_from_slice(&10u32.to_le_bytes());
        assert!(matches!(
            read_entries(&bytes, limits),
            Err(ZipError::TooBig(_))
        ));
        // Many entries, each under the limit, together over it.
        let part = vec![0u8; 400 * 1024];
        let bytes = written(&[("a", &part), ("b", &part), ("c", &part)]);
        assert!(matches!(
            read_entries(&bytes, limits),
            Err(ZipError::TooBig(_))
        ));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let bytes = written(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
        let limits = ReadLimits {
            max_entries: 2,
            max_total_bytes: 1024,
        };
        assert!(matches!(
            read_entries(&bytes, limits),
            Err(ZipError::TooManyEntries(2))
        ));
    }

    #[test]
    fn only_plain_relative_names_are_read() {
        for name in [
            "../evil",
            "a/../../evil",
            "/etc/passwd",
            "a\\b",
            "C:evil",
            "./a",
            "a//b",
            "",
        ] {
            let bytes = stored(&[(name, b"x", crc(b"x"))]);
            assert!(
                matches!(
                    read_entries(&bytes, ReadLimits::default()),
                    Err(ZipError::BadName(_))
                ),
                "{name:?}"
            );
        }
        let twice = stored(&[("a", b"x", crc(b"x")), ("a", b"y", crc(b"y"))]);
        assert!(matches!(
            read_entries(&twice, ReadLimits::default()),
            Err(ZipError::BadName(_))
        ));
    }

    #[test]
    fn garbage_and_truncated_archives_are_refused() {
        let bytes = written(&[("a.txt", b"hello world")]);
        for broken in [&b""[..], b"PK", &bytes[..bytes.len() - 1], &bytes[10..]] {
            assert!(read_entries(broken, ReadLimits::default()).is_err());
        }
    }
}
