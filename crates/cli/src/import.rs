//! `civicdesk import`: loads published case data (gzip or plain CSV) as historical cases.
//!
//! A reader thread decompresses, splits the CSV and prepares every row (parsing, case
//! number, ids) while the main task writes the previous batch, so the two cores work side by
//! side. Bad rows are reported with their line numbers and counted; the import goes on.

use anyhow::{Context, Result, bail};
use cases::import::{ATTRIBUTION, BatchOutcome, ImportPlan, Prepared, PreparedBatch, Source};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use web::Modules;

#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// Taipei 1999 dispatch data (臺北市政府1999派工資料): case_id, category, address, date, time.
    Taipei1999(ImportArgs),
    /// Taipei street-light repair reports (臺北市路燈維修資料), as street-light cases whose
    /// description is the citizen's own words.
    Streetlights(ImportArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The CSV file, gzip-compressed (.gz) or plain
    pub path: PathBuf,
    /// Jurisdiction to import into; its built-in reference data is loaded if it is missing
    #[arg(long, default_value = "taipei.gov.tw")]
    pub jurisdiction: String,
    /// Rows written per transaction
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch_size: u32,
    /// How many bad rows to print (all are counted)
    #[arg(long, default_value_t = 20)]
    pub show_bad: usize,
}

impl ImportCommand {
    fn parts(&self) -> (Source, &ImportArgs) {
        match self {
            ImportCommand::Taipei1999(a) => (Source::Taipei1999, a),
            ImportCommand::Streetlights(a) => (Source::Streetlights, a),
        }
    }
}

/// What the reader thread sends.
enum Message {
    Batch {
        batch: PreparedBatch,
        bad: Vec<(u64, String)>,
        duplicates: u64,
        read: u64,
    },
    Failed(String),
}

/// Counts the compressed bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn open_input(path: &Path, count: Arc<AtomicU64>) -> Result<Box<dyn Read + Send>> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut magic = [0u8; 2];
    let gzip = file.read(&mut magic)? == 2 && magic == [0x1f, 0x8b];
    use std::io::Seek;
    file.seek(std::io::SeekFrom::Start(0))?;
    let counted = std::io::BufReader::with_capacity(256 * 1024, Counting { inner: file, count });
    Ok(if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(counted))
    } else {
        Box::new(counted)
    })
}

/// Reads, parses and prepares every row, sending batches; runs on its own thread.
fn read_rows(
    mut plan: ImportPlan,
    input: Box<dyn Read + Send>,
    batch_size: usize,
    backend: store::Backend,
    tx: tokio::sync::mpsc::Sender<Message>,
) {
    let jurisdiction_id = plan.jurisdiction.id.clone();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(input);
    let mut record = csv::StringRecord::new();
    let mut cases = Vec::with_capacity(batch_size);
    let mut bad = Vec::new();
    let mut duplicates = 0u64;
    let mut read = 0u64;
    let mut first = true;
    // Physical line numbers: the csv reader's count lags by one after a CRLF line end, so
    // the lines are also counted here from the line breaks inside each record's fields.
    let mut next_line = 1u64;
    loop {
        let more = match reader.read_record(&mut record) {
            Ok(more) => more,
            Err(e) => {
                let line = next_line.max(e.position().map(|p| p.line()).unwrap_or(0));
                match e.kind() {
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. } => {
                        next_line = line + 1;
                        read += 1;
                        bad.push((line, "not valid UTF-8".to_string()));
                        continue;
                    }
                    _ => {
                        let _ = tx.blocking_send(Message::Failed(format!(
                            "reading the file near line {line}: {e}"
                        )));
                        return;
                    }
                }
            }
        };
        if !more {
            break;
        }
        let line = next_line.max(record.position().map(|p| p.line()).unwrap_or(0));
        let breaks: usize = record.iter().map(|f| f.matches('\n').count()).sum();
        next_line = line + 1 + breaks as u64;
        let fields: Vec<&str> = record.iter().collect();
        if first {
            first = false;
            if plan.is_header(&fields) {
                continue;
            }
            let _ = tx.blocking_send(Message::Failed(format!(
                "this is not a {} file: the first line should be the header {:?}, not {:?}",
                plan.source.as_str(),
                plan.source.header().join(","),
                fields.join(",")
            )));
            return;
        }
        read += 1;
        match plan.prepare(&fields) {
            Ok(Prepared::Case(c)) => cases.push(*c),
            Ok(Prepared::Duplicate) => duplicates += 1,
            Err(problem) => bad.push((line, problem.to_string())),
        }
        if cases.len() >= batch_size {
            let cases = std::mem::replace(&mut cases, Vec::with_capacity(batch_size));
            let message = Message::Batch {
                batch: PreparedBatch::new(backend, &jurisdiction_id, cases),
                bad: std::mem::take(&mut bad),
                duplicates: std::mem::take(&mut duplicates),
                read,
            };
            if tx.blocking_send(message).is_err() {
                return;
            }
        }
    }
    if first {
        let _ = tx.blocking_send(Message::Failed("the file is empty".into()));
        return;
    }
    let _ = tx.blocking_send(Message::Batch {
        batch: PreparedBatch::new(backend, &jurisdiction_id, cases),
        bad,
        duplicates,
        read,
    });
}

/// Shows progress: a bar on a terminal, a line every few seconds otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:40}] {percent:>3}% {msg} (ETA {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        });
        Progress {
            bar,
            total,
            started: Instant::now(),
            last_line: Instant::now(),
        }
    }

    fn update(&mut self, bytes: u64, read: u64, imported: u64) {
        let rate = read as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let msg = format!("{read} rows read, {imported} imported, {rate:.0} rows/s");
        match &self.bar {
            Some(bar) => {
                bar.set_position(bytes);
                bar.set_message(msg);
            }
            None => {
                if self.last_line.elapsed() >= Duration::from_secs(5) {
                    self.last_line = Instant::now();
                    let percent = 100.0 * bytes as f64 / self.total.max(1) as f64;
                    eprintln!("import: {percent:5.1}% {msg}");
                }
            }
        }
    }

    /// Prints a line without disturbing the bar.
    fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub async fn run(modules: &Modules, command: ImportCommand) -> Result<()> {
    let (source, args) = command.parts();
    let started = Instant::now();
    let plan = modules
        .cases
        .import_plan(&args.jurisdiction, source)
        .await
        .map_err(crate::explain)?;
    let total = std::fs::metadata(&args.path)
        .with_context(|| format!("reading {}", args.path.display()))?
        .len();
    let bytes = Arc::new(AtomicU64::new(0));
    let input = open_input(&args.path, bytes.clone())?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let batch_size = args.batch_size as usize;
    let backend = modules.platform.db.backend();
    let reader = std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || read_rows(plan, input, batch_size, backend, tx))?;

    let mut progress = Progress::new(total);
    let mut outcome = BatchOutcome::default();
    let (mut read, mut bad, mut duplicates) = (0u64, 0u64, 0u64);
    let mut failure = None;
    while let Some(message) = rx.recv().await {
        match message {
            Message::Batch {
                batch,
                bad: bad_rows,
                duplicates: d,
                read: r,
            } => {
                for (line, problem) in &bad_rows {
                    if (bad as usize) < args.show_bad {
                        progress.println(&format!("line {line}: {problem}"));
                    }
                    bad += 1;
                }
                duplicates += d;
                read = r;
                let o = modules
                    .cases
                    .import_batch(batch)
                    .await
                    .map_err(crate::explain)?;
                outcome.add(&o);
                progress.update(bytes.load(Ordering::Relaxed), read, outcome.imported);
            }
            Message::Failed(e) => failure = Some(e),
        }
    }
    progress.finish();
    let _ = reader.join();
    if let Some(e) = failure {
        bail!("{e} ({} rows imported before stopping)", outcome.imported);
    }
    if bad as usize > args.show_bad {
        eprintln!("… {} more bad rows not shown", bad as usize - args.show_bad);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let summary = serde_json::json!({
        "file": args.path.file_name().map(|f| f.to_string_lossy().to_string()),
        "rows": read,
        "imported": outcome.imported,
        "already_present": outcome.already_present,
        "duplicate_rows": duplicates,
        "bad_rows": bad,
        "generated_numbers": outcome.generated,
        "renumbered": outcome.renumbered,
        "without_district": outcome.without_district,
        "seconds": (elapsed * 10.0).round() / 10.0,
    });
    modules
        .cases
        .record_import(&args.jurisdiction, source, summary)
        .await
        .map_err(crate::explain)?;
    println!(
        "imported {} into {} from {}",
        source.as_str(),
        args.jurisdiction,
        args.path.display()
    );
    println!("  rows read:          {read}");
    println!("  imported:           {}", outcome.imported);
    println!("  already present:    {}", outcome.already_present);
    println!("  duplicate rows:     {duplicates}");
    println!("  bad rows:           {bad}");
    let (floor, top) = source.generated_range();
    println!(
        "  generated numbers:  {} (in each day's {floor:05}–{top:05} range{})",
        outcome.generated,
        if outcome.renumbered > 0 {
            format!(
                "; {} rows renumbered because their number was taken",
                outcome.renumbered
            )
        } else {
            String::new()
        }
    );
    println!("  without district:   {}", outcome.without_district);
    println!(
        "  elapsed:            {elapsed:.1} s ({:.0} rows/s)",
        read as f64 / elapsed.max(0.001)
    );
    if outcome.imported > 0 {
        // The new rows change what the query planner should choose (see `Db::analyze`).
        let started = Instant::now();
        modules
            .platform
            .db
            .analyze()
            .await
            .context("updating the planner's statistics (ANALYZE)")?;
        let how = match modules.platform.db.backend() {
            store::Backend::Sqlite => "ANALYZE",
            store::Backend::Postgres => "VACUUM (ANALYZE)",
        };
        println!(
            "  statistics:         updated ({how}, {:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    println!("{ATTRIBUTION}");
    Ok(())
}
