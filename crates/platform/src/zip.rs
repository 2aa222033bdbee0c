//! A ZIP archive written in memory (PKWARE APPNOTE 6.3.10: deflated entries with UTF-8 names,
//! no ZIP64), for downloads of a few megabytes: a citizen's data, an export. Reading archives
//! is not needed anywhere, so only this half is here.

use flate2::Compression;
use flate2::write::DeflateEncoder;
use std::io::Write;

/// Why an archive could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("the archive would pass 4 GiB or 65,535 entries (ZIP64 is not written)")]
    TooLarge,
    #[error("compressing {0}: {1}")]
    Compress(String, std::io::Error),
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
