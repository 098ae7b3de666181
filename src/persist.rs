//! The model file: a one-line header (magic, format version, byte count, CRC-32 of the
//! body) followed by a JSON body. Written to a temporary file in the target folder and
//! renamed, so a reader never sees half a model, and an interrupted write leaves the old
//! file intact.

use crate::error::{Error, Result};
use crate::model::{Calibration, Model, Settings};
use crate::vocab::Vocabulary;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// First bytes of every model file.
pub const MAGIC: &str = "claimscan-model";
/// The newest format version this build reads and writes. Version 2 is a binary body
/// (version 1, a JSON body, is still read). Version 3 is the same body, written only for
/// models that a version-2 reader would score wrongly without a word: a character
/// n-gram expert (`--char-weight`) or a top-label calibration map, settings that such a
/// reader does not know. It refuses them instead. Version 4, the same body again, is
/// written only for models with hidden sub-classes (`parent~sub`, as `--split-neutral`
/// trains), which a version-3 reader would report as labels of their own, or trained with
/// `--split-neutral` (which such a reader would not apply to rows it adds). Other models are
/// still written as version 2 or 3, byte for byte as before.
pub const FORMAT_VERSION: u32 = 4;

/// The format version `model` is written in (see [`FORMAT_VERSION`]).
pub fn format_version(model: &Model) -> u32 {
    let top_map = model
        .calibration
        .as_ref()
        .is_some_and(|c| !c.top.is_empty());
    let subclasses = model
        .labels
        .iter()
        .any(|l| l.contains(crate::corpus::SUBCLASS_MARK));
    // (a version-3 reader updating a --split-neutral model would not split the new rows)
    if subclasses || model.settings.split_neutral {
        4
    } else if model.settings.char_weight.is_some() || top_map {
        3
    } else {
        2
    }
}

#[derive(Serialize, Deserialize)]
struct Body {
    settings: Settings,
    labels: Vec<String>,
    class_count: Vec<u64>,
    vocabulary: Vec<String>,
    /// Per class, the non-zero feature counts as (column, count), columns ascending.
    counts: Vec<Vec<(u32, f64)>>,
    /// Per feature, its idf weight (only with `settings.idf`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    idf: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calibration: Option<Calibration>,
}

/// The bytes of the model file for `model`. Same model, same bytes.
pub fn to_bytes(model: &Model) -> Vec<u8> {
    let nc = model.labels.len();
    let counts = (0..nc)
        .map(|c| {
            model
                .class_row(c)
                .iter()
                .enumerate()
                .filter(|(_, &x)| x != 0.0)
                .map(|(f, &x)| (f as u32, x))
                .collect()
        })
        .collect();
    let body = Body {
        settings: model.settings.clone(),
        labels: model.labels.clone(),
        class_count: model.class_count.clone(),
        vocabulary: model.vocab.terms().to_vec(),
        counts,
        idf: model.idf.clone(),
        calibration: model.calibration.clone(),
    };
    let bin = encode(&body);
    let mut out = format!(
        "{MAGIC} {} {} {:08x}\n",
        format_version(model),
        bin.len(),
        crc32fast::hash(&bin)
    )
    .into_bytes();
    out.extend_from_slice(&bin);
    out
}

/// The small parts of a version-2 body, as JSON.
#[derive(Serialize, Deserialize)]
struct Meta {
    settings: Settings,
    labels: Vec<String>,
    class_count: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calibration: Option<Calibration>,
}

/// A version-2 body: the JSON of [`Meta`] (u32 length first), then the vocabulary (u32
/// count, then per term a u32 length and its UTF-8 bytes), then per class the non-zero
/// counts (u32 count, then per entry a u32 column and an f64), then the idf weights (u32
/// count, then f64s). Little-endian throughout. Parsing it is a fraction of parsing the
/// same numbers as JSON, which is most of a large model's load time.
fn encode(b: &Body) -> Vec<u8> {
    let meta = serde_json::to_vec(&Meta {
        settings: b.settings.clone(),
        labels: b.labels.clone(),
        class_count: b.class_count.clone(),
        calibration: b.calibration.clone(),
    })
    .expect("a model always serialises");
    let terms: usize = b.vocabulary.iter().map(|t| 4 + t.len()).sum();
    let counts: usize = b.counts.iter().map(|r| 4 + 12 * r.len()).sum();
    let mut out = Vec::with_capacity(8 + meta.len() + terms + counts + 8 * b.idf.len() + 4);
    let u32_le = |out: &mut Vec<u8>, n: usize| {
        out.extend_from_slice(&u32::try_from(n).expect("fits in u32").to_le_bytes())
    };
    u32_le(&mut out, meta.len());
    out.extend_from_slice(&meta);
    u32_le(&mut out, b.vocabulary.len());
    for t in &b.vocabulary {
        u32_le(&mut out, t.len());
        out.extend_from_slice(t.as_bytes());
    }
    for row in &b.counts {
        u32_le(&mut out, row.len());
        for &(c, x) in row {
            out.extend_from_slice(&c.to_le_bytes());
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    u32_le(&mut out, b.idf.len());
    for x in &b.idf {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// Reads a version-2 body; every count is checked against the bytes left before anything
/// is allocated for it.
fn decode(data: &[u8]) -> std::result::Result<Body, String> {
    struct Cursor<'a>(&'a [u8]);
    impl<'a> Cursor<'a> {
        fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
            if n > self.0.len() {
                return Err("damaged model body: it ends too early".into());
            }
            let (a, b) = self.0.split_at(n);
            self.0 = b;
            Ok(a)
        }
        fn u32(&mut self) -> std::result::Result<u32, String> {
            Ok(u32::from_le_bytes(
                self.take(4)?.try_into().expect("4 bytes"),
            ))
        }
        fn f64(&mut self) -> std::result::Result<f64, String> {
            Ok(f64::from_le_bytes(
                self.take(8)?.try_into().expect("8 bytes"),
            ))
        }
        /// A count of items of `size` bytes each, at most what the bytes left can hold.
        fn count(&mut self, size: usize, what: &str) -> std::result::Result<usize, String> {
            let n = self.u32()? as usize;
            if n.saturating_mul(size) > self.0.len() {
                return Err(format!(
                    "damaged model body: {n} {what} cannot fit in the {} bytes left",
                    self.0.len()
                ));
            }
            Ok(n)
        }
    }
    let mut c = Cursor(data);
    let meta_len = c.count(1, "bytes of settings")?;
    let meta: Meta = serde_json::from_slice(c.take(meta_len)?)
        .map_err(|e| format!("damaged model body: {e}"))?;
    let n_terms = c.count(4, "terms")?;
    let mut vocabulary = Vec::with_capacity(n_terms);
    for _ in 0..n_terms {
        let len = c.count(1, "bytes of a term")?;
        let t = std::str::from_utf8(c.take(len)?)
            .map_err(|_| "damaged model body: a term is not UTF-8".to_string())?;
        vocabulary.push(t.to_string());
    }
    let mut counts = Vec::with_capacity(meta.labels.len().min(data.len() / 4));
    for _ in 0..meta.labels.len() {
        let nnz = c.count(12, "counts")?;
        let mut row = Vec::with_capacity(nnz);
        for _ in 0..nnz {
            row.push((c.u32()?, c.f64()?));
        }
        counts.push(row);
    }
    let n_idf = c.count(8, "idf weights")?;
    let mut idf = Vec::with_capacity(n_idf);
    for _ in 0..n_idf {
        idf.push(c.f64()?);
    }
    if !c.0.is_empty() {
        return Err(format!(
            "damaged model body: {} bytes after its end",
            c.0.len()
        ));
    }
    Ok(Body {
        settings: meta.settings,
        labels: meta.labels,
        class_count: meta.class_count,
        vocabulary,
        counts,
        idf,
        calibration: meta.calibration,
    })
}

/// The largest model body this build reads (1 GiB): a header that declares more is refused
/// before anything is read or allocated.
pub const MAX_MODEL_BYTES: usize = 1 << 30;

/// A parsed header line: the body's declared length and CRC-32.
struct Header {
    version: u32,
    len: usize,
    crc: u32,
}

fn parse_header(line: &[u8], path: &Path) -> Result<Header> {
    let bad = |msg: String| Error::model(path, msg);
    let header = std::str::from_utf8(line)
        .map_err(|_| bad("not a claimscan model (header is not text)".into()))?;
    let fields: Vec<&str> = header.split(' ').collect();
    if fields.first() != Some(&MAGIC) {
        return Err(bad("not a claimscan model (bad magic)".into()));
    }
    if fields.len() != 4 {
        return Err(bad("damaged model header".into()));
    }
    let version: u32 = fields[1]
        .parse()
        .map_err(|_| bad("damaged model header (version)".into()))?;
    if !(1..=FORMAT_VERSION).contains(&version) {
        return Err(bad(format!(
            "model format version {version} is not supported (this claimscan reads versions 1 to {FORMAT_VERSION})"
        )));
    }
    let len: usize = fields[2]
        .parse()
        .map_err(|_| bad("damaged model header (length)".into()))?;
    if len > MAX_MODEL_BYTES {
        return Err(bad(format!(
            "the header declares a body of {len} bytes, more than the {MAX_MODEL_BYTES}-byte limit"
        )));
    }
    let crc_ok = fields[3].len() == 8
        && fields[3]
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let crc = u32::from_str_radix(fields[3], 16)
        .ok()
        .filter(|_| crc_ok)
        .ok_or_else(|| bad("damaged model header (checksum)".into()))?;
    Ok(Header { version, len, crc })
}

/// Checks the body against the header and builds the model.
fn from_body(header: &Header, body: &[u8], path: &Path) -> Result<Model> {
    let bad = |msg: String| Error::model(path, msg);
    if body.len() != header.len {
        return Err(bad(format!(
            "truncated or damaged model: body is {}{} bytes, header says {}",
            if body.len() > header.len {
                "more than "
            } else {
                ""
            },
            body.len().min(header.len),
            header.len
        )));
    }
    if crc32fast::hash(body) != header.crc {
        return Err(bad("damaged model: checksum mismatch".into()));
    }
    let body: Body = if header.version == 1 {
        serde_json::from_slice(body).map_err(|e| bad(format!("damaged model body: {e}")))?
    } else {
        decode(body).map_err(bad)?
    };
    let model = into_model(body, header.len).map_err(bad)?;
    if header.version >= 2 && format_version(&model) != header.version {
        // version 3 exactly when a version-2 reader would misread the model
        return Err(bad(format!(
            "damaged model: format version {} does not match its settings (version {})",
            header.version,
            format_version(&model)
        )));
    }
    Ok(model)
}

/// Reads a model from the bytes of a model file; `path` only names it in errors.
///
/// # Errors
/// Not a model file, another format version, truncated or corrupted (length or checksum
/// mismatch), or contents that do not form a consistent model.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
    let nl = bytes
        .iter()
        .take(128)
        .position(|&b| b == b'\n')
        .ok_or_else(|| Error::model(path, "not a claimscan model (no header line)"))?;
    let header = parse_header(&bytes[..nl], path)?;
    from_body(&header, &bytes[nl + 1..], path)
}

/// How many labels x features cells a model may have per byte of its body (plus a fixed
/// allowance): the dense tables of a loaded model stay a small multiple of its file size.
const CELLS_PER_BYTE: usize = 2;
const CELLS_ALLOWANCE: usize = 1 << 20;

fn into_model(b: Body, body_len: usize) -> std::result::Result<Model, String> {
    let settings = b.settings.check().map_err(|e| e.to_string())?.get().clone();
    let nc = b.labels.len();
    if nc < 2 || !b.labels.windows(2).all(|w| w[0] < w[1]) {
        return Err("labels must be at least two, sorted and distinct".into());
    }
    if b.class_count.len() != nc || b.counts.len() != nc {
        return Err("per-class arrays do not match the labels".into());
    }
    if let Some(c) = b.class_count.iter().position(|&n| n == 0) {
        return Err(format!("label {:?} has no training rows", b.labels[c]));
    }
    if b.class_count
        .iter()
        .try_fold(0u64, |a, &n| a.checked_add(n))
        .is_none()
    {
        return Err("the training row counts overflow".into());
    }
    if !b.vocabulary.windows(2).all(|w| w[0] < w[1]) {
        return Err("vocabulary must be sorted and distinct".into());
    }
    let nv = b.vocabulary.len();
    // the dense tables hold nc x nv numbers: check before allocating them
    let cells = nc.saturating_mul(nv);
    let allowed = body_len
        .saturating_mul(CELLS_PER_BYTE)
        .saturating_add(CELLS_ALLOWANCE);
    if cells > allowed {
        return Err(format!(
            "{nc} labels x {nv} features is too large for a {body_len}-byte model \
             (at most {allowed} cells); the file is damaged or crafted"
        ));
    }
    let mut feature_count = vec![0.0; nc * nv];
    for (c, row) in b.counts.iter().enumerate() {
        let mut last = None;
        for &(f, x) in row {
            if f as usize >= nv || last.is_some_and(|l| l >= f) {
                return Err(format!("class {c}: bad feature column {f}"));
            }
            if !(x.is_finite() && x > 0.0) {
                return Err(format!("class {c}: bad count {x}"));
            }
            if settings.variant == crate::Variant::Bernoulli && x > b.class_count[c] as f64 {
                return Err(format!(
                    "class {c}: feature {f} in {x} sentences, more than the class's {}",
                    b.class_count[c]
                ));
            }
            feature_count[c * nv + f as usize] = x;
            last = Some(f);
        }
        let total: f64 = row.iter().map(|&(_, x)| x).sum::<f64>() + settings.alpha * nv as f64;
        if !total.is_finite() {
            return Err(format!(
                "class {c}: the counts do not sum to a finite number"
            ));
        }
    }
    if (settings.idf && b.idf.len() != nv) || (!settings.idf && !b.idf.is_empty()) {
        return Err(format!(
            "idf weights: {} for {nv} features (idf {})",
            b.idf.len(),
            if settings.idf { "on" } else { "off" }
        ));
    }
    if let Some(x) = b.idf.iter().find(|x| !(x.is_finite() && **x > 0.0)) {
        return Err(format!("bad idf weight {x}"));
    }
    if let Some(c) = &b.calibration {
        c.check().map_err(|e| format!("calibration: {e}"))?;
    }
    Ok(Model {
        settings,
        labels: b.labels,
        vocab: Vocabulary::from_terms(b.vocabulary),
        class_count: b.class_count,
        feature_count,
        idf: b.idf,
        calibration: b.calibration,
    })
}

/// Reads the model file at `path`.
///
/// # Errors
/// The file cannot be read, or [`from_bytes`] rejects it.
pub fn load(path: &Path) -> Result<Model> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::model(path, "is a folder, not a model file"));
    }
    let mut reader = std::io::BufReader::new(file);
    // the header line first, at most 128 bytes: /dev/zero or a text file fails here
    let mut line = Vec::new();
    (&mut reader)
        .take(128)
        .read_until(b'\n', &mut line)
        .map_err(|e| Error::io(path, e))?;
    if line.pop() != Some(b'\n') {
        return Err(Error::model(path, "not a claimscan model (no header line)"));
    }
    let header = parse_header(&line, path)?;
    // then at most the declared body and one byte more, to notice trailing data
    let mut body = Vec::with_capacity(header.len.min(64 << 20));
    reader
        .take(header.len as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| Error::io(path, e))?;
    from_body(&header, &body, path)
}

/// Writes `model` to `path` (see [`write_atomic`]).
///
/// # Errors
/// The folder is not writable, or the disk is full; `path` is then untouched.
pub fn save(model: &Model, path: &Path) -> Result<()> {
    write_atomic(path, &to_bytes(model))
}

/// Temporary files being written, removed by [`remove_pending`] when a signal stops the
/// process.
static PENDING: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes every temporary file that a write in progress left (called on SIGINT or
/// SIGTERM, before exiting).
pub fn remove_pending() {
    let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    for p in pending.iter() {
        let _ = std::fs::remove_file(p);
    }
}

fn pending(path: &Path, add: bool) {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    if add {
        pending.push(path.to_path_buf());
    } else {
        pending.retain(|p| p != path);
    }
}

/// Follows `path` through symbolic links (a chain of at most 40) to the path it finally
/// names, which need not exist yet.
///
/// # Errors
/// A link cannot be read, or the chain is too long.
pub fn resolve_links(path: &Path) -> Result<std::path::PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let t = std::fs::read_link(&p).map_err(|e| Error::io(&p, e))?;
                p = match p.parent() {
                    Some(dir) if t.is_relative() => dir.join(t),
                    _ => t,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::io(
        path,
        std::io::Error::other("too many levels of symbolic links"),
    ))
}

/// Whether `a` and `b` name the same existing file (through links too).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Writes `bytes` to `path` so that a reader never sees half of them:
/// - `-` is standard output;
/// - a path that names an existing device, FIFO or socket (`/dev/null`, `/dev/stdout`) is
///   written into directly: it is never replaced;
/// - a symbolic link is written through: its final target is replaced and the link kept;
/// - otherwise the bytes go to a temporary file in the target's folder, flushed to disk,
///   renamed over the target, and the folder is synced. An existing file keeps its
///   permissions; a new one gets 0666 less the umask. A signal (SIGINT, SIGTERM) during
///   the write removes the temporary file and leaves the old file intact.
///
/// # Errors
/// The folder is not writable, the target is a folder, or the disk is full; the target
/// is then untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|_| out.flush())
            .map_err(|e| Error::io("<stdout>", e));
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(Error::io(
                path,
                std::io::Error::other("is a folder, not a file"),
            ))
        }
        Ok(m) if !m.is_file() => {
            // a device, FIFO or socket: write into it, never replace it
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::io(path, e))?;
            return f
                .write_all(bytes)
                .and_then(|_| f.flush())
                .map_err(|e| Error::io(path, e));
        }
        _ => {}
    }
    let target = resolve_links(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let perms = match std::fs::metadata(&target) {
        Ok(m) => m.permissions(),
        Err(_) => default_permissions(),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".claimscan-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    let tmp_path = tmp.path().to_path_buf();
    pending(&tmp_path, true);
    let result = write_then_rename(tmp, bytes, perms, &target);
    pending(&tmp_path, false);
    result?;
    // make the rename itself durable (best effort: not every file system syncs folders)
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_then_rename(
    mut tmp: tempfile::NamedTempFile,
    bytes: &[u8],
    perms: std::fs::Permissions,
    target: &Path,
) -> Result<()> {
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().set_permissions(perms))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(tmp.path(), e))?;
    // For the test suite only: hold the written temporary file before the rename, so that
    // a test can interrupt the write at that point.
    if let Some(ms) = std::env::var_os("CLAIMSCAN_TEST_STALL_BEFORE_RENAME_MS")
        .and_then(|v| v.to_str().and_then(|v| v.parse::<u64>().ok()))
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    tmp.persist(target)
        .map_err(|e| Error::io(target, e.error))?;
    Ok(())
}

/// 0666 less the process's umask (read from /proc/self/status; 022 where it is not
/// available).
#[cfg(unix)]
fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    let umask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022);
    std::fs::Permissions::from_mode(0o666 & !umask)
}

#[cfg(not(unix))]
fn default_permissions() -> std::fs::Permissions {
    tempfile::tempfile()
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .expect("a temporary file can be created")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Example;
    use crate::model::train;

    fn model() -> Model {
        let ex = |t: &str, l: &str| Example {
            text: t.into(),
            label: l.into(),
            line: 0,
        };
        let data = [
            ex("cheap fast model", "reward:cost"),
            ex("attack the model", "risk:security"),
        ];
        train(&data, &Settings::default().check().unwrap()).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others_like_any_output() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.model");
        save(&model(), &p).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        save(&model(), &p).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn round_trip_is_exact() {
        let m = model();
        let bytes = to_bytes(&m);
        assert_eq!(from_bytes(&bytes, Path::new("m")).unwrap(), m);
        assert_eq!(
            to_bytes(&from_bytes(&bytes, Path::new("m")).unwrap()),
            bytes
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = to_bytes(&model());
        for n in 0..bytes.len() {
            assert!(
                from_bytes(&bytes[..n], Path::new("m")).is_err(),
                "truncated at {n}"
            );
        }
    }

    #[test]
    fn every_bit_flip_is_an_error() {
        let bytes = to_bytes(&model());
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(from_bytes(&b, Path::new("m")).is_err(), "flip at {i}:{bit}");
            }
        }
    }

    #[test]
    fn version_1_json_files_still_load() {
        let m = model();
        let bin = to_bytes(&m);
        let nl = bin.iter().position(|&b| b == b'\n').unwrap();
        let body = decode(&bin[nl + 1..]).unwrap();
        let json = serde_json::to_vec(&body).unwrap();
        let mut v1 =
            format!("{MAGIC} 1 {} {:08x}\n", json.len(), crc32fast::hash(&json)).into_bytes();
        v1.extend_from_slice(&json);
        assert_eq!(from_bytes(&v1, Path::new("m")).unwrap(), m);
    }

    #[test]
    fn counts_that_cannot_fit_are_refused_before_allocating() {
        let mut body = encode(&Body {
            settings: Settings::default(),
            labels: vec!["a".into(), "b".into()],
            class_count: vec![1, 1],
            vocabulary: vec!["x".into()],
            counts: vec![vec![(0, 1.0)], vec![]],
            idf: vec![],
            calibration: None,
        });
        // the vocabulary count claims 4 billion terms
        let meta_len = u32::from_le_bytes(body[..4].try_into().unwrap()) as usize;
        body[4 + meta_len..8 + meta_len].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = decode(&body).err().unwrap();
        assert!(e.contains("cannot fit"), "{e}");
    }

    fn examples(rows: &[(&str, &str)]) -> Vec<Example> {
        rows.iter()
            .map(|&(t, l)| Example {
                text: t.to_string(),
                label: l.to_string(),
                line: 0,
            })
            .collect()
    }

    #[test]
    fn models_a_version_2_reader_would_misread_are_version_3() {
        let plain = model();
        assert_eq!(format_version(&plain), 2);
        let settings = Settings {
            text: crate::text::TextConfig {
                char_ngrams: Some((3, 4)),
                ..Default::default()
            },
            char_weight: Some(0.5),
            ..Settings::default()
        };
        let data = examples(&[
            ("cheap fast model", "reward:cost"),
            ("attack the model", "risk:security"),
        ]);
        let expert = train(&data, &settings.check().unwrap()).unwrap();
        let mut mapped = plain.clone();
        mapped.calibration = Some(Calibration {
            temperature: 2.0,
            threshold: 0.3,
            folds: 5,
            seed: 1,
            top: vec![(0.2, 0.3), (0.9, 0.8)],
        });
        for m in [expert, mapped] {
            assert_written_as(&m, b'3', b'2');
        }
    }

    /// `m` is written as format `version`, reads back the same, and is refused when its
    /// header says `older` (rather than read by the wrong rules).
    fn assert_written_as(m: &Model, version: u8, older: u8) {
        let mut bytes = to_bytes(m);
        assert!(bytes.starts_with(b"claimscan-model "));
        assert_eq!(bytes[16], version);
        assert_eq!(&from_bytes(&bytes, Path::new("m")).unwrap(), m);
        bytes[16] = older;
        let e = from_bytes(&bytes, Path::new("m")).unwrap_err().to_string();
        assert!(e.contains("does not match its settings"), "{e}");
    }

    #[test]
    fn models_with_subclasses_are_version_4() {
        let settings = Settings {
            split_neutral: true,
            ..Settings::default()
        };
        let data = examples(&[
            ("cheap fast model", "reward:cost"),
            ("the bakery opens", "neutral"),
            ("the model card", "neutral"),
        ]);
        let valid = settings.check().unwrap();
        let m = train(&data, &valid).unwrap();
        assert_eq!(m.labels, ["neutral", "neutral~off-topic", "reward:cost"]);
        // a version-3 reader would show the hidden class as a label
        assert_written_as(&m, b'4', b'3');
        // the setting alone, with no neutral rows to split, is version 4 too
        let no_neutral = crate::model::count(&data[..1], &valid).unwrap();
        assert_eq!(no_neutral.labels, ["reward:cost"]);
        assert_eq!(format_version(&no_neutral), 4);
        // without either nothing changes
        assert_eq!(format_version(&model()), 2);
    }

    #[test]
    fn other_version_and_garbage() {
        let mut bytes = to_bytes(&model());
        assert!(bytes.starts_with(b"claimscan-model 2 "));
        bytes[16] = b'5';
        let e = from_bytes(&bytes, Path::new("m")).unwrap_err().to_string();
        assert_eq!(
            e,
            "m: model format version 5 is not supported (this claimscan reads versions 1 to 4)"
        );
        let e = from_bytes(b"text,label\n", Path::new("m"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "m: not a claimscan model (bad magic)");
    }
}
