//! The vocabulary: the sorted list of terms that are features.

use crate::error::{Error, Result};
use std::collections::HashMap;

/// How the vocabulary is chosen from the training documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VocabParams {
    /// Keep a term only if it occurs in at least this many documents (at least 1).
    pub min_df: usize,
    /// Keep at most this many terms: the most frequent ones, ties broken by term order.
    pub max_features: Option<usize>,
}

impl Default for VocabParams {
    fn default() -> Self {
        VocabParams {
            min_df: 1,
            max_features: None,
        }
    }
}

impl VocabParams {
    /// Checks the parameters.
    ///
    /// # Errors
    /// `min_df` of 0 or `max_features` of 0.
    pub fn check(&self) -> Result<()> {
        if self.min_df == 0 {
            return Err(Error::Param("min-df must be at least 1".into()));
        }
        if self.max_features == Some(0) {
            return Err(Error::Param("max-features must be at least 1".into()));
        }
        Ok(())
    }
}

/// Terms in byte order; a term's index is its feature column.
#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    terms: Vec<String>,
    /// term -> column, built on the first lookup (scoring never needs it, so loading a
    /// model for prediction does not pay for it).
    index: std::sync::OnceLock<HashMap<String, u32>>,
}

impl PartialEq for Vocabulary {
    fn eq(&self, other: &Self) -> bool {
        self.terms == other.terms
    }
}

impl Eq for Vocabulary {}

impl Vocabulary {
    /// Builds the vocabulary from the terms of each document.
    ///
    /// The result is the same whatever order the documents come in: document frequency
    /// filters first, then `max_features` keeps the terms with the highest total count
    /// (ties: the smaller term in byte order wins), and the survivors are sorted.
    pub fn build<S: AsRef<str>>(docs: &[Vec<S>], params: &VocabParams) -> Vocabulary {
        // term -> (document frequency, total count, last document seen)
        let mut stats: HashMap<&str, (usize, usize, usize)> = HashMap::new();
        for (d, doc) in docs.iter().enumerate() {
            for term in doc {
                let e = stats.entry(term.as_ref()).or_insert((0, 0, usize::MAX));
                e.1 += 1;
                if e.2 != d {
                    e.0 += 1;
                    e.2 = d;
                }
            }
        }
        let mut kept: Vec<(&str, usize)> = stats
            .into_iter()
            .filter(|(_, (df, _, _))| *df >= params.min_df)
            .map(|(t, (_, tf, _))| (t, tf))
            .collect();
        if let Some(max) = params.max_features {
            kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            kept.truncate(max);
        }
        Vocabulary::from_terms(kept.into_iter().map(|(t, _)| t.to_string()).collect())
    }

    /// A vocabulary of exactly these terms (sorted and deduplicated here).
    pub fn from_terms(mut terms: Vec<String>) -> Vocabulary {
        // terms read from a model file are sorted already: skip the sort then
        if !terms.windows(2).all(|w| w[0] < w[1]) {
            terms.sort_unstable();
            terms.dedup();
        }
        Vocabulary {
            terms,
            index: std::sync::OnceLock::new(),
        }
    }

    /// The column of `term`, if it is a feature.
    pub fn get(&self, term: &str) -> Option<u32> {
        self.index
            .get_or_init(|| {
                self.terms
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.clone(), i as u32))
                    .collect()
            })
            .get(term)
            .copied()
    }

    /// The terms, in column order.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there are no features.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> Vec<Vec<&'static str>> {
        vec![
            vec!["b", "a", "a"],
            vec!["c", "a"],
            vec!["d", "c", "b"],
            vec!["e"],
        ]
    }

    #[test]
    fn sorted_and_indexed() {
        let v = Vocabulary::build(&docs(), &VocabParams::default());
        assert_eq!(v.terms(), ["a", "b", "c", "d", "e"]);
        assert_eq!(v.get("c"), Some(2));
        assert_eq!(v.get("z"), None);
    }

    #[test]
    fn min_df_counts_documents_not_occurrences() {
        let p = VocabParams {
            min_df: 2,
            max_features: None,
        };
        // "a" occurs 3 times but in 2 documents; "d" and "e" in one each.
        assert_eq!(Vocabulary::build(&docs(), &p).terms(), ["a", "b", "c"]);
    }

    #[test]
    fn max_features_breaks_ties_by_term() {
        let p = VocabParams {
            min_df: 1,
            max_features: Some(3),
        };
        // counts: a=3, b=2, c=2, d=1, e=1 -> a, then the tie b/c both fit.
        assert_eq!(Vocabulary::build(&docs(), &p).terms(), ["a", "b", "c"]);
        let p = VocabParams {
            min_df: 1,
            max_features: Some(4),
        };
        // d and e tie at 1: d wins by byte order.
        assert_eq!(Vocabulary::build(&docs(), &p).terms(), ["a", "b", "c", "d"]);
    }

    #[test]
    fn order_of_documents_does_not_matter() {
        let mut rev = docs();
        rev.reverse();
        let p = VocabParams {
            min_df: 1,
            max_features: Some(2),
        };
        assert_eq!(Vocabulary::build(&rev, &p), Vocabulary::build(&docs(), &p));
    }

    #[test]
    fn zero_parameters_are_rejected() {
        assert!(VocabParams {
            min_df: 0,
            max_features: None
        }
        .check()
        .is_err());
        assert!(VocabParams {
            min_df: 1,
            max_features: Some(0)
        }
        .check()
        .is_err());
    }
}
