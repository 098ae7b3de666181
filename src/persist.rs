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
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

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
    let json = serde_json::to_vec(&body).expect("a model always serialises");
    let mut out = format!(
        "{MAGIC} {FORMAT_VERSION} {} {:08x}\n",
        json.len(),
        crc32fast::hash(&json)
    )
    .into_bytes();
    out.extend_from_slice(&json);
    out
}

/// Reads a model from the bytes of a model file; `path` only names it in errors.
///
/// # Errors
/// Not a model file, another format version, truncated or corrupted (length or checksum
/// mismatch), or contents that do not form a consistent model.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
    let bad = |msg: String| Error::model(path, msg);
    let nl = bytes
        .iter()
        .take(128)
        .position(|&b| b == b'\n')
        .ok_or_else(|| bad("not a claimscan model (no header line)".into()))?;
    let header = std::str::from_utf8(&bytes[..nl])
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
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "model format version {version} is not supported (this claimscan reads version {FORMAT_VERSION})"
        )));
    }
    let len: usize = fields[2]
        .parse()
        .map_err(|_| bad("damaged model header (length)".into()))?;
    let crc_ok = fields[3].len() == 8
        && fields[3]
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let crc = u32::from_str_radix(fields[3], 16)
        .ok()
        .filter(|_| crc_ok)
        .ok_or_else(|| bad("damaged model header (checksum)".into()))?;
    let body = &bytes[nl + 1..];
    if body.len() != len {
        return Err(bad(format!(
            "truncated or damaged model: body is {} bytes, header says {len}",
            body.len()
        )));
    }
    if crc32fast::hash(body) != crc {
        return Err(bad("damaged model: checksum mismatch".into()));
    }
    let body: Body =
        serde_json::from_slice(body).map_err(|e| bad(format!("damaged model body: {e}")))?;
    into_model(body).map_err(bad)
}

fn into_model(b: Body) -> std::result::Result<Model, String> {
    let settings = b.settings.check().map_err(|e| e.to_string())?.get().clone();
    let nc = b.labels.len();
    if nc < 2 || !b.labels.windows(2).all(|w| w[0] < w[1]) {
        return Err("labels must be at least two, sorted and distinct".into());
    }
    if b.class_count.len() != nc || b.counts.len() != nc {
        return Err("per-class arrays do not match the labels".into());
    }
    if b.class_count.iter().sum::<u64>() == 0 {
        return Err("no training rows".into());
    }
    if !b.vocabulary.windows(2).all(|w| w[0] < w[1]) {
        return Err("vocabulary must be sorted and distinct".into());
    }
    let nv = b.vocabulary.len();
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
            feature_count[c * nv + f as usize] = x;
            last = Some(f);
        }
    }
    if settings.idf != (b.idf.len() == nv) || !(b.idf.is_empty() || b.idf.len() == nv) {
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
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes, path)
}

/// Writes `model` to `path` atomically: a temporary file in the same folder, flushed to
/// disk, then renamed over `path`.
///
/// # Errors
/// The folder is not writable, or the disk is full; `path` is then untouched.
pub fn save(model: &Model, path: &Path) -> Result<()> {
    write_atomic(path, &to_bytes(model))
}

/// Writes `bytes` to `path` through a temporary file and a rename.
///
/// # Errors
/// As for [`save`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".claimscan-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    // a temporary file is private (0600); the result gets the old file's permissions, or
    // the usual 0644 for a new file
    let perms = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => default_permissions(),
    };
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().set_permissions(perms))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o644)
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
    fn other_version_and_garbage() {
        let bytes = to_bytes(&model());
        let s = String::from_utf8(bytes).unwrap().replacen(" 1 ", " 2 ", 1);
        let e = from_bytes(s.as_bytes(), Path::new("m"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "m: model format version 2 is not supported (this claimscan reads version 1)"
        );
        let e = from_bytes(b"text,label\n", Path::new("m"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "m: not a claimscan model (bad magic)");
    }
}
