//! Sentence splitting for whole documents: Unicode sentence boundaries (UAX #29), with
//! abbreviations such as "e.g." and "Dr." kept inside their sentence. Lines are split
//! separately, so headings and bullets on their own lines stay on their own.

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
