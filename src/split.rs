//! Sentence splitting for whole documents: Unicode sentence boundaries (UAX #29), with
//! abbreviations such as "e.g." and "Dr." kept inside their sentence; and documents cut
//! into blocks (lines or paragraphs, see [`Mode`]) that sentences never cross, with
//! headings marked and hard-wrapped lines rejoined.

use unicode_segmentation::UnicodeSegmentation;

/// Abbreviations (lower-cased, without the final period) after which a boundary found by
/// UAX #29 is not a sentence end.
const ABBREVIATIONS: &[&str] = &[
    "al", "approx", "apr", "aug", "ca", "cf", "co", "corp", "dec", "dept", "dr", "e.g", "eg",
    "esp", "est", "etc", "feb", "fig", "gen", "gov", "i.e", "ie", "inc", "jan", "jr", "jul", "jun",
    "lt", "ltd", "mar", "mr", "mrs", "ms", "no", "nov", "oct", "p", "pp", "prof", "rep", "sen",
    "sep", "sept", "sr", "st", "u.k", "u.n", "u.s", "vol", "vs",
];

/// The sentences of one line: (byte offset in the line, sentence without surrounding
/// white space). Blank lines have none.
pub fn sentences(line: &str) -> Vec<(usize, &str)> {
    let mut out: Vec<(usize, usize)> = Vec::new(); // (start, end) byte ranges
    for (start, piece) in line.split_sentence_bound_indices() {
        let end = start + piece.len();
        match out.last_mut() {
            Some(last)
                if ends_with_abbreviation(&line[last.0..last.1])
                    || is_list_marker(line[last.0..last.1].trim()) =>
            {
                last.1 = end
            }
            _ => out.push((start, end)),
        }
    }
    out.into_iter()
        .filter_map(|(s, e)| {
            let piece = &line[s..e];
            let trimmed = piece.trim();
            (!trimmed.is_empty()).then(|| (s + (piece.len() - piece.trim_start().len()), trimmed))
        })
        .collect()
}

/// How a document is cut into sentences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Each line is one sentence.
    Lines,
    /// Each line is split into sentences; a sentence never spans lines.
    Sentences,
    /// Lines are joined into paragraphs (up to a blank line, a list item or a heading),
    /// words broken by a hyphen at a line end are rejoined, then paragraphs are split into
    /// sentences: for hard-wrapped text (PDF-to-text, e-mail, fixed-width reports).
    #[default]
    Paragraphs,
}

/// A piece of a document that sentences never cross: a line (modes `Lines` and
/// `Sentences`) or a paragraph of joined lines (mode `Paragraphs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The text (for a paragraph: its lines joined by one space, hyphenated words at line
    /// ends rejoined, each line trimmed).
    pub text: String,
    /// Whether the block is a heading (a title line, not a sentence).
    pub heading: bool,
    /// Where the text comes from: (byte offset in `text`, 0-based line of the document,
    /// byte offset in that line), one entry per source line, offsets ascending.
    pub map: Vec<(usize, usize, usize)>,
}

impl Block {
    /// The (0-based line, byte offset in the line) of the document where byte `at` of
    /// [`Block::text`] comes from.
    pub fn source(&self, at: usize) -> (usize, usize) {
        let i = self.map.partition_point(|m| m.0 <= at).saturating_sub(1);
        match self.map.get(i) {
            Some(&(start, line, col)) => (line, col + at.saturating_sub(start)),
            None => (0, at),
        }
    }
}

/// The sentences of `text` cut by `mode`: (block index, byte offset in the block, sentence).
/// Headings are not sentences and are left out.
pub fn document_sentences(blocks: &[Block], mode: Mode) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    for (b, block) in blocks.iter().enumerate() {
        if block.heading {
            continue;
        }
        if mode == Mode::Lines {
            let t = block.text.trim();
            if !t.is_empty() {
                let off = block.text.len() - block.text.trim_start().len();
                out.push((b, off, t));
            }
            continue;
        }
        for (off, s) in sentences(&block.text) {
            out.push((b, off, s));
        }
    }
    out
}

/// Cuts `text` into blocks (see [`Block`]): one per line for `Lines` and `Sentences`, one per
/// paragraph for `Paragraphs`. Headings are marked (except in `Lines`, where every line is a
/// sentence): a Markdown `#` line, or a short line (at most 12 words) with no sentence
/// punctuation at its end that stands alone or is clearly shorter than the text after it.
/// A list item is never a heading, and a text made only of headings has none.
pub fn blocks(text: &str, mode: Mode) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let next_text = |i: usize| lines.get(i + 1).map(|l| l.trim()).filter(|l| !l.is_empty());
    let mut out: Vec<Block> = Vec::new();
    if mode != Mode::Paragraphs {
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim();
            out.push(Block {
                text: line.to_string(),
                // with one sentence per line, every line is a sentence
                heading: mode == Mode::Sentences && !t.is_empty() && is_heading(t, next_text(i), 0),
                map: vec![(0, i, 0)],
            });
        }
        return unmark_if_all_headings(out);
    }
    let mut cur: Option<Block> = None;
    let mut widest = 0usize;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            out.extend(cur.take());
            continue;
        }
        let col = line.len() - line.trim_start().len();
        let prev_ends = cur
            .as_ref()
            .is_none_or(|b| ends_sentence(b.text.trim_end()));
        let starts_new = starts_list_item(t) || is_markdown_heading(t);
        if starts_new || (prev_ends && is_heading(t, next_text(i), widest)) {
            out.extend(cur.take());
        }
        match cur.as_mut() {
            None => {
                widest = t.len();
                let heading = is_heading(t, next_text(i), 0);
                let block = Block {
                    text: t.to_string(),
                    heading,
                    map: vec![(0, i, col)],
                };
                if heading {
                    out.push(block);
                } else {
                    cur = Some(block);
                }
            }
            Some(b) => {
                widest = widest.max(t.len());
                if broken_word(&b.text) && t.starts_with(|c: char| c.is_lowercase()) {
                    b.text.pop(); // the hyphen
                } else {
                    b.text.push(' ');
                }
                b.map.push((b.text.len(), i, col));
                b.text.push_str(t);
            }
        }
    }
    out.extend(cur);
    unmark_if_all_headings(out)
}

/// A text made only of "headings" (one short line without a full stop, a list of
/// headlines) is text: its lines are sentences.
fn unmark_if_all_headings(mut blocks: Vec<Block>) -> Vec<Block> {
    let text = |b: &Block| !b.text.trim().is_empty();
    if blocks.iter().filter(|b| text(b)).all(|b| b.heading) {
        for b in &mut blocks {
            b.heading = false;
        }
    }
    blocks
}

/// Whether `text` ends with a word broken by a hyphen ("know-"), not a dash or a lone hyphen.
fn broken_word(text: &str) -> bool {
    let Some(body) = text.strip_suffix('-') else {
        return false;
    };
    let mut rev = body.chars().rev();
    matches!((rev.next(), rev.next()), (Some(a), Some(b)) if a.is_alphabetic() && b.is_alphabetic())
}

/// Whether a (trimmed) line ends like a sentence, or a clause that does not go on.
fn ends_sentence(t: &str) -> bool {
    let t = t.trim_end_matches(['"', '\'', '\u{201d}', '\u{2019}', ')', ']', '*', '_']);
    t.ends_with(['.', '!', '?', ':', ';', '\u{2026}'])
}

/// Whether a (trimmed) line is a Markdown ATX heading (`# Title`).
fn is_markdown_heading(t: &str) -> bool {
    let hashes = t.len() - t.trim_start_matches('#').len();
    (1..=6).contains(&hashes) && t[hashes..].starts_with(' ')
}

/// Whether the (trimmed) line `t` is a heading; `next` is the text of the line after it,
/// if that is not blank; `width` the longest line of the paragraph before it (0: none).
fn is_heading(t: &str, next: Option<&str>, width: usize) -> bool {
    if is_markdown_heading(t) {
        return true;
    }
    if starts_list_item(t) || ends_sentence(t) || t.ends_with([',', '-']) {
        return false;
    }
    if t.split_whitespace().count() > 12 || !t.starts_with(|c: char| !c.is_lowercase()) {
        return false;
    }
    let short = |n: usize| t.len() * 10 < n * 7;
    match next {
        None => width == 0 || short(width),
        Some(n) if starts_list_item(n) || is_markdown_heading(n) => true,
        Some(n) => {
            n.starts_with(|c: char| {
                c.is_uppercase() || c.is_ascii_digit() || "\"'\u{201c}".contains(c)
            }) && short(n.len().max(width))
        }
    }
}

/// How many bytes at the start of `s` are a list marker and the space after it ("• ",
/// "- ", "* ", "1. ", "12) ", "(a) "), 0 if none.
pub fn list_marker_len(s: &str) -> usize {
    let Some((first, rest)) = s.split_once(char::is_whitespace) else {
        return 0;
    };
    let bullet = matches!(
        first,
        "\u{2022}"
            | "\u{25e6}"
            | "\u{25aa}"
            | "\u{25cf}"
            | "\u{2023}"
            | "\u{2043}"
            | "\u{00b7}"
            | "-"
            | "*"
            | "+"
            | "\u{2013}"
            | "\u{2014}"
    );
    if !(bullet || is_list_marker(first)) || rest.trim().is_empty() {
        return 0;
    }
    s.len() - rest.trim_start().len()
}

/// Whether the (trimmed) line starts with a list marker.
fn starts_list_item(t: &str) -> bool {
    list_marker_len(t) > 0
}

/// Whether `text` looks hard-wrapped: many lines end in the middle of a sentence that the
/// next line goes on with. Returns (such lines, non-blank lines) when it does.
pub fn hard_wrapped(text: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let nonblank = lines.iter().filter(|l| !l.is_empty()).count();
    let breaks = lines
        .windows(2)
        .filter(|w| {
            !w[0].is_empty()
                && !w[1].is_empty()
                && !ends_sentence(w[0])
                && !starts_list_item(w[1])
                && (w[1].starts_with(|c: char| c.is_lowercase()) || broken_word(w[0]))
        })
        .count();
    (breaks >= 3 && breaks * 4 >= nonblank).then_some((breaks, nonblank))
}

/// Whether `piece` is only a list marker ("1.", "12)", "a.", "iv."), which belongs to the
/// item after it.
fn is_list_marker(piece: &str) -> bool {
    let Some(body) = piece.strip_suffix(['.', ')']) else {
        return false;
    };
    let body = body.strip_prefix('(').unwrap_or(body);
    (!body.is_empty() && body.len() <= 3 && body.bytes().all(|b| b.is_ascii_digit()))
        || (body.chars().count() == 1 && body.chars().all(char::is_alphabetic))
        || (!body.is_empty()
            && body.len() <= 5
            && body
                .chars()
                .all(|c| "ivxlcdm".contains(c.to_ascii_lowercase())))
}

/// Whether `piece` ends (before trailing spaces) with a known abbreviation or a single
/// initial ("J. Smith").
fn ends_with_abbreviation(piece: &str) -> bool {
    let t = piece.trim_end();
    let Some(body) = t.strip_suffix('.') else {
        return false;
    };
    let word = body
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .next()
        .unwrap_or("");
    let lower = word.to_lowercase();
    ABBREVIATIONS.binary_search(&lower.as_str()).is_ok()
        || (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<&str> {
        sentences(line).into_iter().map(|(_, s)| s).collect()
    }

    fn para(text: &str) -> Vec<(bool, String)> {
        blocks(text, Mode::Paragraphs)
            .into_iter()
            .map(|b| (b.heading, b.text))
            .collect()
    }

    #[test]
    fn paragraphs_join_wrapped_lines_and_rejoin_broken_words() {
        let text = "Title of the piece\n\nOpen models cut the\ncost of know-\nledge work. Attackers\n  abuse them.\n\nNext one.\n";
        assert_eq!(
            para(text),
            [
                (true, "Title of the piece".to_string()),
                (
                    false,
                    "Open models cut the cost of knowledge work. Attackers abuse them.".into()
                ),
                (false, "Next one.".into())
            ]
        );
        let b = &blocks(text, Mode::Paragraphs)[1];
        // "Attackers" is at byte 12 of line 4 (0-based), "abuse" at byte 2 of line 5
        let at = b.text.find("Attackers").unwrap();
        assert_eq!(b.source(at), (4, 12));
        assert_eq!(b.source(b.text.find("abuse").unwrap()), (5, 2));
        assert_eq!(b.source(0), (2, 0));
        // a dash or a hyphen before a capital stays
        assert_eq!(para("Cheap and -\nfast.")[0].1, "Cheap and - fast.");
        assert_eq!(para("A well-\nKnown model.")[0].1, "A well- Known model.");
    }

    #[test]
    fn headings_and_list_items_start_their_own_blocks() {
        let text = "What supporters say\n\u{2022} Clinics run small models\n  on one server.\n- Fees fall.\nWhat critics say\nScammers clone voices with open models, and nobody can recall them.\n## Outlook\nMore later.";
        let p = para(text);
        assert_eq!(
            p,
            [
                (true, "What supporters say".to_string()),
                (
                    false,
                    "\u{2022} Clinics run small models on one server.".into()
                ),
                (false, "- Fees fall.".into()),
                (true, "What critics say".into()),
                (
                    false,
                    "Scammers clone voices with open models, and nobody can recall them.".into()
                ),
                (true, "## Outlook".into()),
                (false, "More later.".into()),
            ]
        );
        // a line that ends a sentence, or goes on in lower case, is no heading
        assert!(!para("Models are cheap.\n")[0].0);
        assert!(!para("open models are cheap\n")[0].0);
        // a long line without a full stop is a sentence, not a heading
        assert!(!para("Open models let small clinics run diagnosis tools on a single cheap server today\n")[0].0);
        // in line mode too
        let b = blocks(
            "Risks\nAttackers abuse open models to write malware at scale.\n",
            Mode::Sentences,
        );
        assert!(b[0].heading && !b[1].heading);
    }

    #[test]
    fn a_text_of_headings_only_has_none_and_lines_mode_has_none() {
        assert_eq!(
            para("Open models cut costs"),
            [(false, "Open models cut costs".to_string())]
        );
        let b = blocks(
            "Costs fall\nAttackers abuse open models to write malware at scale.\n",
            Mode::Lines,
        );
        assert!(b.iter().all(|b| !b.heading));
        let b = blocks(
            "Costs fall\n\nAttackers abuse open models to write malware at scale.\n",
            Mode::Sentences,
        );
        assert!(b[0].heading && !b[2].heading);
    }

    #[test]
    fn list_markers() {
        assert_eq!(list_marker_len("\u{2022} Hospitals run it."), 4);
        assert_eq!(list_marker_len("12) Costs fall."), 4);
        assert_eq!(list_marker_len("-  Costs fall."), 3);
        assert_eq!(list_marker_len("Costs fall."), 0);
        assert_eq!(list_marker_len("- "), 0);
        assert_eq!(list_marker_len("-3 degrees"), 0);
    }

    #[test]
    fn hard_wrap_detection() {
        let wrapped = "Open models cut the cost\nof running a clinic, and\nthey let researchers audit\nthe weights.\n";
        assert_eq!(hard_wrapped(wrapped), Some((3, 4)));
        let plain = "Open models cut costs.\nAttackers abuse them.\nTitle\nMore text here.\n";
        assert_eq!(hard_wrapped(plain), None);
    }

    #[test]
    fn document_sentences_skip_headings() {
        let text = "Risks\n\nAttackers abuse them. Costs fall.\n";
        let b = blocks(text, Mode::Paragraphs);
        let s = document_sentences(&b, Mode::Paragraphs);
        assert_eq!(s, [(1, 0, "Attackers abuse them."), (1, 22, "Costs fall.")]);
        // with one sentence per line, the heading is a sentence too
        let b = blocks(text, Mode::Lines);
        let s = document_sentences(&b, Mode::Lines);
        assert_eq!(
            s,
            [(0, 0, "Risks"), (2, 0, "Attackers abuse them. Costs fall.")]
        );
    }

    #[test]
    fn list_markers_stay_with_their_item() {
        assert_eq!(
            texts("1. Open models cut costs. 2. They also leak data."),
            ["1. Open models cut costs.", "2. They also leak data."]
        );
        assert_eq!(
            texts("a. First item. B. Second item."),
            ["a. First item.", "B. Second item."]
        );
        assert_eq!(texts("iv. Fourth point here."), ["iv. Fourth point here."]);
        // a sentence that merely ends in a number is not a marker
        assert_eq!(
            texts("We tested 12. Then we stopped."),
            ["We tested 12.", "Then we stopped."]
        );
    }

    #[test]
    fn abbreviations_are_sorted() {
        assert!(ABBREVIATIONS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn splits_sentences_with_offsets() {
        let line = "Open models are cheap. Attackers love them! Why? Because.";
        assert_eq!(
            sentences(line),
            [
                (0, "Open models are cheap."),
                (23, "Attackers love them!"),
                (44, "Why?"),
                (49, "Because.")
            ]
        );
    }

    #[test]
    fn keeps_abbreviations_and_initials_inside() {
        assert_eq!(
            texts("Dr. Smith of the U.S. agency, e.g. NIST, spoke. J. Doe agreed."),
            [
                "Dr. Smith of the U.S. agency, e.g. NIST, spoke.",
                "J. Doe agreed."
            ]
        );
        assert_eq!(
            texts("Costs fell 50 vs. last year. Good."),
            ["Costs fell 50 vs. last year.", "Good."]
        );
    }

    #[test]
    fn blank_and_heading_lines() {
        assert!(sentences("   ").is_empty());
        assert_eq!(texts("  • Cost-Effectiveness"), ["• Cost-Effectiveness"]);
        assert_eq!(sentences("  Heading")[0].0, 2);
    }
}
