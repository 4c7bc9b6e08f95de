//! Reading logs: files, folders (rotated files in time order), gzip, standard input; chunks
//! parsed and fingerprinted on every core, counted in log order on one. Memory stays bounded
//! whatever the log's size: a few chunks in flight, state per session and per fingerprint.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel};
use std::sync::{Arc, Mutex};

use crate::fingerprints::Fingerprinter;
use crate::input::{Chunker, Format, FormatError};
use crate::nplus1;
use crate::prefix::Prefix;
use crate::stats::{prepare, InputSummary, Prepared, Workload};
use crate::time::Timestamp;

/// How to read.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `log_line_prefix` of stderr logs, when detection should not guess it.
    pub prefix: Option<Prefix>,
    /// Only messages at or after this time.
    pub since: Option<Timestamp>,
    /// Only messages before this time.
    pub until: Option<Timestamp>,
    /// N+1 detection.
    pub nplus1: nplus1::Options,
    /// Threads that parse and fingerprint (at least 1).
    pub threads: usize,
    /// Bytes per chunk.
    pub chunk_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            prefix: None,
            since: None,
            until: None,
            nplus1: nplus1::Options::default(),
            threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            chunk_bytes: 4 << 20,
        }
    }
}

/// A log to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file.
    Path(PathBuf),
    /// Standard input.
    Stdin,
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Stdin => "-".to_owned(),
        }
    }
}

/// Why a log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{input}: {reason}")]
    Io {
        /// Which input.
        input: String,
        /// Why.
        reason: std::io::Error,
    },
    /// Its format was not recognized.
    #[error("{input}: {reason}")]
    Format {
        /// Which input.
        input: String,
        /// Why.
        reason: FormatError,
    },
    /// A folder with no files in it.
    #[error("{0}: the folder holds no files")]
    EmptyFolder(String),
}

/// Bytes read so far of the inputs' total (compressed bytes for gzip files).
#[derive(Debug, Default)]
pub struct Progress {
    /// Read.
    pub done: AtomicU64,
    /// All inputs' sizes (0 when unknown: standard input).
    pub total: AtomicU64,
}

struct Counting<R> {
    inner: R,
    progress: Arc<Progress>,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress.done.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn io_error(input: &str) -> impl FnOnce(std::io::Error) -> ReadError + '_ {
    move |reason| ReadError::Io {
        input: input.to_owned(),
        reason,
    }
}

/// Opens a source: its bytes, decompressed when they are gzip (told by the magic number).
fn open(
    source: &Source,
    progress: &Arc<Progress>,
) -> Result<(Box<dyn Read + Send>, bool), ReadError> {
    let name = source.name();
    let raw: Box<dyn Read + Send> = match source {
        Source::Path(p) => Box::new(File::open(p).map_err(io_error(&name))?),
        Source::Stdin => Box::new(std::io::stdin()),
    };
    let mut buffered = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: raw,
            progress: progress.clone(),
            read: 0,
        },
    );
    let head = buffered.fill_buf().map_err(io_error(&name))?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    if gzip {
        Ok((Box::new(flate2::read::MultiGzDecoder::new(buffered)), true))
    } else {
        Ok((Box::new(buffered), false))
    }
}

/// The files to read for these paths: files as given, the files of a folder (not hidden,
/// recursively) in time order (by the first time stamp in each, then by name). `-` is
/// standard input.
pub fn expand(paths: &[PathBuf], prefix: Option<&Prefix>) -> Result<Vec<Source>, ReadError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let name = p.display().to_string();
        let meta = std::fs::metadata(p).map_err(io_error(&name))?;
        if !meta.is_dir() {
            out.push(Source::Path(p.clone()));
            continue;
        }
        let mut files = Vec::new();
        walk(p, &mut files).map_err(io_error(&name))?;
        if files.is_empty() {
            return Err(ReadError::EmptyFolder(name));
        }
        let progress = Arc::new(Progress::default());
        let mut keyed: Vec<(Option<Timestamp>, PathBuf)> = files
            .into_iter()
            .map(|f| (first_time(&Source::Path(f.clone()), prefix, &progress), f))
            .collect();
        // Files with a time stamp first, in time order; then the rest by name.
        keyed.sort_by(|a, b| match (a.0, b.0) {
            (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.1.cmp(&b.1)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.1.cmp(&b.1),
        });
        out.extend(keyed.into_iter().map(|(_, f)| Source::Path(f)));
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let t = e.file_type()?;
        if t.is_dir() {
            walk(&e.path(), out)?;
        } else if t.is_file() {
            out.push(e.path());
        }
    }
    Ok(())
}

fn first_time(
    source: &Source,
    prefix: Option<&Prefix>,
    progress: &Arc<Progress>,
) -> Option<Timestamp> {
    let (reader, _) = open(source, progress).ok()?;
    let mut chunker = Chunker::new(reader, 1 << 16);
    let head = chunker.peek(1 << 16).ok()?;
    let text = String::from_utf8_lossy(head).into_owned();
    let format = Format::detect(&text, prefix).ok()?;
    let mut records = format.records(&text);
    records.find_map(|r| r.time)
}

struct Job {
    seq: u64,
    input: usize,
    format: Arc<Format>,
    text: String,
}

struct Done {
    seq: u64,
    input: usize,
    prepared: Vec<Prepared<'static>>,
    unreadable: usize,
}

fn work(job: &Job, fps: &mut Fingerprinter) -> Done {
    let mut records = job.format.records(&job.text);
    let prepared: Vec<Prepared<'static>> = records
        .by_ref()
        .map(|r| prepare(r.into_owned(), fps))
        .collect();
    Done {
        seq: job.seq,
        input: job.input,
        unreadable: records.unreadable(),
        prepared,
    }
}

fn fold(w: &mut Workload, done: &Done) {
    for p in &done.prepared {
        w.add(p);
    }
    let input = &mut w.inputs[done.input];
    input.records += done.prepared.len() as u64;
    input.unreadable += done.unreadable as u64;
}

/// Reads every source into one workload. `progress` is updated as bytes are read.
pub fn read_all(
    sources: &[Source],
    options: &Options,
    progress: &Arc<Progress>,
) -> Result<Workload, ReadError> {
    let total: u64 = sources
        .iter()
        .filter_map(|s| match s {
            Source::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Stdin => None,
        })
        .sum();
    progress.total.store(total, Ordering::Relaxed);
    let mut w = Workload::new(options.nplus1);
    w.since = options.since;
    w.until = options.until;
    let threads = options.threads.max(1);
    let result = std::thread::scope(|scope| -> Result<(), ReadError> {
        let (work_tx, work_rx) = sync_channel::<Job>(threads * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = channel::<Done>();
        for _ in 0..threads {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            scope.spawn(move || {
                let mut fps = Fingerprinter::default();
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    if tx.send(work(&job, &mut fps)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut next = 0u64;
        let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
        let mut take = |done: Done, w: &mut Workload| {
            waiting.insert(done.seq, done);
            while let Some(d) = waiting.remove(&next) {
                fold(w, &d);
                next += 1;
            }
        };
        let mut seq = 0u64;
        for (i, source) in sources.iter().enumerate() {
            let name = source.name();
            let (reader, gzip) = open(source, progress)?;
            let mut chunker = Chunker::new(reader, options.chunk_bytes);
            let head = chunker.peek(1 << 16).map_err(io_error(&name))?;
            let sample = String::from_utf8_lossy(head);
            let format = Format::detect(&sample, options.prefix.as_ref()).map_err(|reason| {
                ReadError::Format {
                    input: name.clone(),
                    reason,
                }
            })?;
            w.inputs.push(InputSummary {
                name: name.clone(),
                format: format!("{format}{}", if gzip { ", gzip" } else { "" }),
                bytes: match source {
                    Source::Path(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
                    Source::Stdin => 0,
                },
                ..InputSummary::default()
            });
            let format = Arc::new(format);
            while let Some(text) = chunker.next_chunk(&format).map_err(io_error(&name))? {
                if matches!(source, Source::Stdin) {
                    w.inputs[i].bytes += text.len() as u64;
                }
                let job = Job {
                    seq,
                    input: i,
                    format: format.clone(),
                    text,
                };
                seq += 1;
                if work_tx.send(job).is_err() {
                    break;
                }
                while let Ok(done) = done_rx.try_recv() {
                    take(done, &mut w);
                }
            }
        }
        drop(work_tx);
        for done in done_rx {
            take(done, &mut w);
        }
        Ok(())
    });
    result?;
    w.finish();
    Ok(w)
}
