//! A real SMTP server for the tests that send e-mail, started in-process so that the tests need
//! nothing installed beside cargo. The same code runs as a process for the browser tests and the
//! benchmarks (`examples/smtp_sink.rs`).
//!
//! It listens on a free loopback port and speaks the part of RFC 5321 a client needs to deliver
//! mail without TLS or authentication: EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing), RSET,
//! NOOP and QUIT, refusing commands out of order with 503 as a real server does. Each message
//! is kept as received and decoded (subject, addresses, Message-ID, text and HTML parts) with
//! mail-parser, independent of the sender's own MIME code.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest command line accepted (RFC 5321 allows 512 octets; extensions make them longer).
const MAX_COMMAND: usize = 4096;
/// Largest message accepted, advertised as SIZE.
const MAX_MESSAGE: usize = 32 * 1024 * 1024;
/// A client silent this long is disconnected, so a stuck test cannot keep a thread forever.
const IDLE: Duration = Duration::from_secs(120);

/// One message as received.
#[derive(Clone)]
pub struct Received {
    /// The message exactly as sent, after dot-unstuffing.
    pub raw: Vec<u8>,
    /// The envelope and the decoded message (see [`describe`]).
    pub info: serde_json::Value,
}

struct Shared {
    received: Mutex<Vec<Received>>,
    /// Where each message is also written as `NNNNN.eml` and `NNNNN.json`, if anywhere.
    spool: Option<PathBuf>,
    stop: AtomicBool,
}

/// A running SMTP server; stops accepting connections when dropped.
pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Shared>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl SmtpSink {
    /// Starts a server that keeps messages in memory.
    pub fn start() -> SmtpSink {
        SmtpSink::serve(None)
    }

    /// Starts a server that also writes every message to `dir`: `NNNNN.eml` (the raw bytes)
    /// and `NNNNN.json` ([`describe`]), each renamed into place only when complete.
    #[allow(dead_code)] // Used by `examples/smtp_sink.rs`, not by the tests.
    pub fn start_spooling(dir: &Path) -> SmtpSink {
        SmtpSink::serve(Some(dir.to_path_buf()))
    }

    fn serve(spool: Option<PathBuf>) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test SMTP server");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared {
            received: Mutex::new(Vec::new()),
            spool,
            stop: AtomicBool::new(false),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = accepting.clone();
                std::thread::spawn(move || {
                    let _ = Session::new(shared).run(stream);
                });
            }
        });
        SmtpSink { port, shared }
    }

    /// The decoded messages received so far, in order of arrival.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        self.received().into_iter().map(|r| r.info).collect()
    }

    /// The raw messages received so far.
    pub fn raw(&self) -> Vec<Vec<u8>> {
        self.received().into_iter().map(|r| r.raw).collect()
    }

    fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// One client connection.
struct Session {
    shared: Arc<Shared>,
    greeted: bool,
    mail_from: Option<String>,
    rcpt_tos: Vec<String>,
}

impl Session {
    fn new(shared: Arc<Shared>) -> Session {
        Session {
            shared,
            greeted: false,
            mail_from: None,
            rcpt_tos: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_tos.clear();
    }

    fn run(mut self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(IDLE))?;
        let mut out = stream.try_clone()?;
        let mut input = BufReader::new(stream);
        out.write_all(b"220 127.0.0.1 civicdesk test SMTP server\r\n")?;
        loop {
            let Some(line) = read_line(&mut input, MAX_COMMAND)? else {
                return Ok(());
            };
            let Ok(line) = std::str::from_utf8(trim_eol(&line)) else {
                out.write_all(b"500 5.5.2 Syntax error\r\n")?;
                continue;
            };
            let (verb, arg) = match line.split_once(' ') {
                Some((verb, arg)) => (verb.to_ascii_uppercase(), arg.trim()),
                None => (line.to_ascii_uppercase(), ""),
            };
            let reply: &str = match verb.as_str() {
                "EHLO" => {
                    self.greeted = true;
                    self.reset();
                    let reply = format!(
                        "250-127.0.0.1\r\n250-SIZE {MAX_MESSAGE}\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                    );
                    out.write_all(reply.as_bytes())?;
                    continue;
                }
                "HELO" => {
                    self.greeted = true;
                    self.reset();
                    "250 127.0.0.1"
                }
                "MAIL" if !self.greeted => "503 5.5.1 Send EHLO first",
                "MAIL" if self.mail_from.is_some() => "503 5.5.1 Nested MAIL command",
                "MAIL" => match path_after(arg, "FROM:") {
                    Some(from) => {
                        self.mail_from = Some(from);
                        "250 2.1.0 Ok"
                    }
                    None => "501 5.5.4 Syntax: MAIL FROM:<address>",
                },
                "RCPT" if self.mail_from.is_none() => "503 5.5.1 Need MAIL before RCPT",
                "RCPT" => match path_after(arg, "TO:") {
                    Some(to) if !to.is_empty() => {
                        self.rcpt_tos.push(to);
                        "250 2.1.5 Ok"
                    }
                    _ => "501 5.5.4 Syntax: RCPT TO:<address>",
                },
                "DATA" if self.rcpt_tos.is_empty() => "503 5.5.1 Need RCPT before DATA",
                "DATA" => {
                    out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                    let Some(raw) = read_data(&mut input)? else {
                        return Ok(());
                    };
                    let reply = match raw {
                        Data::Message(raw) => {
                            let number = self.deliver(raw);
                            format!("250 2.0.0 Ok: queued as sink-{number}\r\n")
                        }
                        Data::TooBig => "552 5.3.4 Message too big\r\n".to_string(),
                    };
                    self.reset();
                    out.write_all(reply.as_bytes())?;
                    continue;
                }
                "RSET" => {
                    self.reset();
                    "250 2.0.0 Ok"
                }
                "NOOP" => "250 2.0.0 Ok",
                "QUIT" => {
                    out.write_all(b"221 2.0.0 Bye\r\n")?;
                    let _ = out.shutdown(Shutdown::Both);
                    return Ok(());
                }
                _ => "502 5.5.2 Command not implemented",
            };
            out.write_all(reply.as_bytes())?;
            out.write_all(b"\r\n")?;
        }
    }

    /// Keeps the message (and spools it); returns its number, counting from 1.
    fn deliver(&self, raw: Vec<u8>) -> usize {
        let info = describe(
            self.mail_from.as_deref().unwrap_or(""),
            &self.rcpt_tos,
            &raw,
        );
        let mut received = self
            .shared
            .received
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        received.push(Received {
            raw: raw.clone(),
            info: info.clone(),
        });
        let number = received.len();
        if let Some(dir) = &self.shared.spool {
            // Under the lock, so that files appear in the order of the numbers.
            let base = dir.join(format!("{number:05}"));
            let json = serde_json::to_vec(&info).unwrap_or_default();
            for (ext, bytes) in [("eml", &raw), ("json", &json)] {
                let done = base.with_extension(ext);
                let partial = base.with_extension(format!("{ext}.tmp"));
                if std::fs::write(&partial, bytes).is_ok() {
                    let _ = std::fs::rename(&partial, &done);
                }
            }
        }
        number
    }
}

/// Reads one line including its end, at most `limit` bytes (a longer line is cut there).
/// `None` at the end of the stream.
fn read_line(input: &mut impl BufRead, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = std::io::Read::take(&mut *input, limit as u64).read_until(b'\n', &mut line)?;
    Ok((n > 0).then_some(line))
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

enum Data {
    Message(Vec<u8>),
    /// Read to its end and dropped.
    TooBig,
}

/// The message after a 354 reply, up to the line holding a single dot, with the leading dot
/// of any other line that starts with one removed (RFC 5321 section 4.5.2). `None` if the
/// client went away first.
fn read_data(input: &mut impl BufRead) -> std::io::Result<Option<Data>> {
    let mut raw = Vec::new();
    let mut too_big = false;
    loop {
        let Some(line) = read_line(input, MAX_MESSAGE)? else {
            return Ok(None);
        };
        if trim_eol(&line) == b"." {
            return Ok(Some(if too_big {
                Data::TooBig
            } else {
                Data::Message(raw)
            }));
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if raw.len() + line.len() > MAX_MESSAGE {
            too_big = true;
            raw.clear();
        } else if !too_big {
            raw.extend_from_slice(line);
        }
    }
}

/// The address in `FROM:<a@b> SIZE=123` (after `prefix`, case-insensitive); empty for the
/// null reverse-path `<>`.
fn path_after(arg: &str, prefix: &str) -> Option<String> {
    let head = arg.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg[prefix.len()..].trim_start();
    let path = rest.split_whitespace().next()?;
    let address = path.strip_prefix('<')?.strip_suffix('>')?;
    Some(address.to_string())
}

/// The envelope and the decoded message: `mail_from`, `rcpt_tos`, `subject`, `from`, `to`,
/// `message_id` (with its angle brackets), `content_type`, and the `text` and `html` parts
/// (line ends as `\n`, or null when the message has no such part).
pub fn describe(mail_from: &str, rcpt_tos: &[String], raw: &[u8]) -> serde_json::Value {
    let parsed = MessageParser::default().parse(raw);
    let header = |f: fn(&Message<'_>) -> Option<String>| parsed.as_ref().and_then(f);
    serde_json::json!({
        "mail_from": mail_from,
        "rcpt_tos": rcpt_tos,
        "subject": header(|m| m.subject().map(str::to_string)),
        "from": header(|m| m.from().map(addresses)),
        "to": header(|m| m.to().map(addresses)),
        "message_id": header(|m| m.message_id().map(|id| format!("<{id}>"))),
        "content_type": header(|m| Some(content_type(m))),
        "text": header(|m| part(m, false)),
        "html": header(|m| part(m, true)),
    })
}

fn addresses(list: &mail_parser::Address<'_>) -> String {
    list.iter()
        .map(|a| match (a.name(), a.address()) {
            (Some(name), Some(address)) => format!("{name} <{address}>"),
            (None, Some(address)) => address.to_string(),
            (Some(name), None) => name.to_string(),
            (None, None) => String::new(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `type/subtype` in lower case; `text/plain` when the header is missing, as RFC 2045 says.
fn content_type(message: &Message<'_>) -> String {
    message.content_type().map_or_else(
        || "text/plain".to_string(),
        |c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()).to_ascii_lowercase(),
    )
}

/// The first `text/plain` (or `text/html`) part, decoded.
fn part(message: &Message<'_>, html: bool) -> Option<String> {
    message.parts.iter().find_map(|p| {
        let plain = p
            .content_type()
            .and_then(|c| c.subtype())
            .is_none_or(|s| s.eq_ignore_ascii_case("plain"));
        match &p.body {
            PartType::Html(t) if html => Some(t.replace("\r\n", "\n")),
            PartType::Text(t) if !html && plain => Some(t.replace("\r\n", "\n")),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One reply, of one or more lines.
    fn read_reply(input: &mut BufReader<TcpStream>) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = read_line(input, MAX_COMMAND)
                .expect("read")
                .expect("a reply");
            let line = String::from_utf8(trim_eol(&line).to_vec()).expect("utf-8");
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines;
            }
        }
    }

    /// Speaks to the server as a client would, returning every reply line.
    fn converse(sink: &SmtpSink, lines: &[&str]) -> Vec<String> {
        let stream = TcpStream::connect(("127.0.0.1", sink.port)).expect("connect");
        let mut out = stream.try_clone().expect("clone");
        let mut input = BufReader::new(stream);
        let mut replies = read_reply(&mut input);
        for line in lines {
            out.write_all(format!("{line}\r\n").as_bytes())
                .expect("write");
            // Message lines get no reply until the closing dot.
            let in_data = replies.last().is_some_and(|r| r.starts_with("354"));
            if !in_data || *line == "." {
                replies.extend(read_reply(&mut input));
            }
        }
        replies
    }

    #[test]
    fn receives_a_message_with_dots_unstuffed() {
        let sink = SmtpSink::start();
        let replies = converse(
            &sink,
            &[
                "EHLO client",
                "MAIL FROM:<a@example.com> SIZE=10",
                "RCPT TO:<b@example.com>",
                "RCPT TO:<c@example.com>",
                "DATA",
                "Subject: =?utf-8?b?5qGI5Lu2?=",
                "Message-ID: <m1@example.com>",
                "",
                "..one",
                "two",
                ".",
                "QUIT",
            ],
        );
        assert!(replies.last().unwrap().starts_with("221"), "{replies:?}");
        assert!(
            replies
                .iter()
                .any(|r| r.starts_with("250 2.0.0 Ok: queued")),
            "{replies:?}"
        );
        let m = &sink.messages()[0];
        assert_eq!(m["mail_from"], "a@example.com");
        assert_eq!(
            m["rcpt_tos"],
            serde_json::json!(["b@example.com", "c@example.com"])
        );
        assert_eq!(m["subject"], "案件");
        assert_eq!(m["message_id"], "<m1@example.com>");
        assert_eq!(m["content_type"], "text/plain");
        assert_eq!(m["text"], ".one\ntwo\n");
        assert!(sink.raw()[0].ends_with(b"\r\n.one\r\ntwo\r\n"));
    }

    #[test]
    fn refuses_commands_out_of_order() {
        let sink = SmtpSink::start();
        let replies = converse(
            &sink,
            &[
                "MAIL FROM:<a@example.com>",
                "HELO client",
                "RCPT TO:<b@example.com>",
                "DATA",
                "MAIL FROM:<a@example.com>",
                "MAIL FROM:<a@example.com>",
                "RSET",
                "RCPT TO:<b@example.com>",
                "NOOP",
                "VRFY b",
            ],
        );
        let codes: Vec<&str> = replies.iter().map(|r| &r[..3]).collect();
        assert_eq!(
            codes,
            [
                "220", "503", "250", "503", "503", "250", "503", "250", "503", "250", "502"
            ]
        );
        assert!(sink.messages().is_empty());
    }
}
