//! Opening inputs the same way in every subcommand: `-` is stdin, a UTF-8 byte-order mark
//! is dropped, UTF-16 with a byte-order mark is transcoded to UTF-8 (as ripgrep does, with
//! encoding_rs_io), and a file that is mostly not UTF-8 is refused before any output.

use anyhow::{bail, Context};
use std::io::Read;
use std::path::{Path, PathBuf};

/// How much of an input is looked at before it is read for real.
const HEAD_BYTES: usize = 64 * 1024;

/// The name of an input in messages and output: `stdin` for `-`.
pub fn name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        path.display().to_string()
    }
}

/// An opened input, decoded to UTF-8 (invalid bytes of a UTF-8 input are passed on).
pub struct Input {
    pub reader: Box<dyn Read + Send>,
    /// The first bytes of the (decoded) input: all that was available at once on a pipe,
    /// up to 64 KiB of a file.
    pub head: Vec<u8>,
}

/// Opens `path` (`-`: stdin). A regular file's first 64 KiB are looked at; on a pipe,
/// what the first read returns, so that a filter on an idle pipe is not held up.
pub fn open(path: &Path) -> anyhow::Result<Input> {
    let name = name(path);
    let (mut raw, fill): (Box<dyn Read + Send>, bool) = if path.as_os_str() == "-" {
        (Box::new(super::stdin()?), false)
    } else {
        let f = std::fs::File::open(path).with_context(|| name.clone())?;
        if f.metadata().is_ok_and(|m| m.is_dir()) {
            bail!("{name}: is a folder, not a file");
        }
        (Box::new(f), true)
    };
    let mut head = Vec::with_capacity(4096);
    read_head(&mut raw, &mut head, fill).with_context(|| name.clone())?;
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        head.drain(..3);
    }
    let reader: Box<dyn Read + Send> = if utf16 {
        let rest = std::io::Cursor::new(std::mem::take(&mut head)).chain(raw);
        let mut decoded: Box<dyn Read + Send> = Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .bom_sniffing(true)
                .strip_bom(true)
                .build(rest),
        );
        // the decoded head, for the checks below and the callers' looks
        read_head(&mut decoded, &mut head, fill).with_context(|| name.clone())?;
        Box::new(std::io::Cursor::new(head.clone()).chain(decoded))
    } else {
        Box::new(std::io::Cursor::new(head.clone()).chain(raw))
    };
    check_text(&head, &name)?;
    Ok(Input { reader, head })
}

/// Reads the first bytes of `r` into `head`: up to [`HEAD_BYTES`] when `fill`, else what
/// one read returns (more only while it could be the start of a byte-order mark).
fn read_head(r: &mut dyn Read, head: &mut Vec<u8>, fill: bool) -> std::io::Result<()> {
    let mut buf = vec![0u8; HEAD_BYTES];
    while head.len() < HEAD_BYTES {
        let n = match r.read(&mut buf[..HEAD_BYTES - head.len()]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        let maybe_bom = head.len() < 4
            && (head[0] == 0xEF || head[0] == 0xFF || head[0] == 0xFE)
            && !head.contains(&b'\n');
        if !fill && !maybe_bom {
            break;
        }
    }
    Ok(())
}

/// Refuses input that is not text: UTF-16 without a byte-order mark, or mostly invalid
/// UTF-8 (more than a third of the characters looked at).
fn check_text(head: &[u8], name: &str) -> anyhow::Result<()> {
    if head.len() >= 8 {
        let (mut even, mut odd) = (0usize, 0usize);
        for (i, &b) in head.iter().enumerate() {
            if b == 0 {
                if i % 2 == 0 {
                    even += 1;
                } else {
                    odd += 1;
                }
            }
        }
        let half = head.len() / 2;
        let utf16 = (odd * 10 >= half * 9 && even * 10 <= half)
            || (even * 10 >= half * 9 && odd * 10 <= half);
        if utf16 {
            bail!("{name}: looks like UTF-16 text without a byte-order mark: save it as UTF-8 (or UTF-16 with a byte-order mark)");
        }
    }
    // a character cut at the end of the head is not held against the input
    let valid_to = match std::str::from_utf8(head) {
        Ok(_) => return Ok(()),
        Err(e) if e.error_len().is_none() => {
            if std::str::from_utf8(&head[..e.valid_up_to()]).is_ok()
                && head.len() - e.valid_up_to() < 4
            {
                return Ok(());
            }
            head.len()
        }
        Err(_) => head.len(),
    };
    let text = String::from_utf8_lossy(&head[..valid_to]);
    let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
    let all = text.chars().count();
    if bad >= 8 && bad * 3 > all {
        bail!(
            "{name}: not UTF-8 text ({bad} of the first {all} characters are invalid UTF-8): convert it to UTF-8, e.g. with iconv"
        );
    }
    Ok(())
}

/// Reads all of `path` (`-`: stdin) as text (see [`open`]); returns the text and how many
/// lines had invalid UTF-8 (their bad bytes replaced by U+FFFD).
pub fn read_text(path: &Path) -> anyhow::Result<(String, usize)> {
    let mut input = open(path)?;
    let mut bytes = Vec::new();
    input
        .reader
        .read_to_end(&mut bytes)
        .with_context(|| name(path))?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, 0)),
        Err(e) => {
            let bytes = e.into_bytes();
            let bad = bytes
                .split(|&b| b == b'\n')
                .filter(|l| std::str::from_utf8(l).is_err())
                .count();
            Ok((String::from_utf8_lossy(&bytes).into_owned(), bad))
        }
    }
}

/// Whether the name of `path` matches the glob `pattern` (`*` any run of characters,
/// `?` one character; matched against the file name, or the whole path if the pattern
/// has a `/`).
pub fn glob_match(pattern: &str, path: &Path) -> bool {
    let subject = if pattern.contains('/') {
        path.to_string_lossy().into_owned()
    } else {
        path.file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned())
    };
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), subject.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The inputs: files as given, folders walked (recursively, in sorted order, hidden files
/// and links to folders skipped) for `*.txt` and `*.md` files, or for the files matching
/// `glob`. A folder with no such file is an error.
pub fn expand(paths: &[PathBuf], glob: Option<&str>) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() != "-" && p.is_dir() {
            let before = out.len();
            walk(p, glob, &mut out)?;
            if out.len() == before {
                bail!(
                    "{}: no {} files in this folder",
                    p.display(),
                    glob.unwrap_or("*.txt or *.md")
                );
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, glob: Option<&str>, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| dir.display().to_string())?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| dir.display().to_string())?;
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        // links to folders are not followed (a link to a parent would never end), links
        // to files are read
        let link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        if p.is_dir() {
            if !link {
                walk(&p, glob, out)?;
            }
        } else if match glob {
            Some(g) => glob_match(g, &p),
            None => p
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md")),
        } {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.txt", Path::new("a/b/notes.txt")));
        assert!(!glob_match("*.txt", Path::new("a/b/notes.md")));
        assert!(glob_match("n?tes.*", Path::new("notes.md")));
        assert!(glob_match("*", Path::new("x")));
        assert!(!glob_match("a*b", Path::new("acbd")));
    }

    #[test]
    fn mostly_invalid_utf8_is_refused_a_few_bad_bytes_are_not() {
        assert!(check_text(&[0xff; 100], "x").is_err());
        let mut ok = b"Open models are cheap. ".repeat(10);
        ok.extend_from_slice(&[0xff, 0xfe]);
        assert!(check_text(&ok, "x").is_ok());
        // UTF-16 LE without a byte-order mark
        let utf16: Vec<u8> = "Open models"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(check_text(&utf16, "x").is_err());
        // a character cut by the end of the head
        let mut cut = "Käse ".repeat(20).into_bytes();
        cut.push(0xc3);
        assert!(check_text(&cut, "x").is_ok());
        // all zero bytes are left to the line reader
        assert!(check_text(&[0u8; 64], "x").is_ok());
    }
}
