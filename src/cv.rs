//! Stratified K-fold cross-validation and the grid search of `tune`.
//!
//! Naive Bayes counts do not depend on alpha, the decision rule or the priors, so each fold
//! is counted once per text pipeline and feature transform, and every candidate that
//! shares them is scored from the same counts.

use crate::corpus::Example;
use crate::error::{Error, Result};
use crate::metrics::{mean_std, Report};
use crate::model::{train, Model, Norm, Settings, ValidSettings, Variant};
use crate::scorer::{Scorer, Scratch};
use crate::text::TextConfig;
use rayon::prelude::*;

/// The seed used unless told otherwise, so that results repeat.
pub const DEFAULT_SEED: u64 = 20_250_129;

/// SplitMix64: a small, well-known generator; enough for shuffling folds.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Assigns each example a fold in `0..k` so that every label is spread evenly over the
/// folds: each label's examples are shuffled with `seed`, then dealt out in turn (the
/// dealing continues from label to label, so fold sizes differ by at most one).
///
/// # Errors
/// `k` < 2 or larger than the number of examples.
pub fn stratified_folds<S: AsRef<str>>(labels: &[S], k: usize, seed: u64) -> Result<Vec<usize>> {
    if k < 2 || k > labels.len() {
        return Err(Error::Param(format!(
            "--cv must be between 2 and the number of rows ({}), got {k}",
            labels.len()
        )));
    }
    let mut by_label: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|&a, &b| labels[a].as_ref().cmp(labels[b].as_ref()).then(a.cmp(&b)));
    for i in order {
        let l = labels[i].as_ref();
        match by_label.last_mut() {
            Some((last, v)) if *last == l => v.push(i),
            _ => by_label.push((l, vec![i])),
        }
    }
    let mut rng = SplitMix(seed);
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for (_, idx) in &mut by_label {
        for i in (1..idx.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
        for &i in idx.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    Ok(fold)
}

/// Cross-validation results: one report per fold and one for all out-of-fold predictions.
#[derive(Clone, Debug)]
pub struct CvResult {
    pub folds: Vec<Report>,
    pub pooled: Report,
}

/// A metric's mean and spread (population standard deviation) over the folds.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Spread {
    pub mean: f64,
    pub std: f64,
}

impl CvResult {
    fn spread(&self, f: impl Fn(&Report) -> f64) -> Spread {
        let xs: Vec<f64> = self.folds.iter().map(f).collect();
        let (mean, std) = mean_std(&xs);
        Spread { mean, std }
    }
    pub fn accuracy(&self) -> Spread {
        self.spread(|r| r.accuracy)
    }
    pub fn macro_f1(&self) -> Spread {
        self.spread(|r| r.macro_f1)
    }
    pub fn polarity_accuracy(&self) -> Spread {
        self.spread(|r| r.polarity_accuracy)
    }
}

/// The training rows (every fold but `f`, cloned) and the test rows (fold `f`).
pub(crate) fn fold_split<'a>(
    examples: &'a [Example],
    fold: &[usize],
    f: usize,
) -> (Vec<Example>, Vec<&'a Example>) {
    let train = examples
        .iter()
        .zip(fold)
        .filter(|(_, &g)| g != f)
        .map(|(e, _)| e.clone())
        .collect();
    let test = examples
        .iter()
        .zip(fold)
        .filter(|(_, &g)| g == f)
        .map(|(e, _)| e)
        .collect();
    (train, test)
}

/// Labels predicted by `model` for `examples`.
pub fn predict_labels(model: &Model, examples: &[&Example]) -> Vec<String> {
    let scorer = Scorer::new(model);
    let mut s = Scratch::default();
    examples
        .iter()
        .map(|e| scorer.labels()[scorer.score(&e.text, &mut s).best].clone())
        .collect()
}

/// Stratified K-fold cross-validation of `settings` on `examples`.
///
/// # Errors
/// A bad `k`, or a fold that cannot be trained (fewer than two labels in it).
pub fn cross_validate(
    examples: &[Example],
    settings: &ValidSettings,
    k: usize,
    seed: u64,
) -> Result<CvResult> {
    let results = run_group(examples, settings, &[settings.get().clone()], k, seed)?;
    Ok(results.into_iter().next().expect("one candidate"))
}

/// For each candidate (all sharing the text pipeline, min_df, max_features and feature
/// transform of `base`), the cross-validation result.
fn run_group(
    examples: &[Example],
    base: &ValidSettings,
    candidates: &[Settings],
    k: usize,
    seed: u64,
) -> Result<Vec<CvResult>> {
    let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    let fold = stratified_folds(&labels, k, seed)?;
    let per_fold: Vec<Vec<Vec<String>>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let (train_set, test) = fold_split(examples, &fold, f);
            let counted = train(&train_set, base)?;
            Ok(candidates
                .par_iter()
                .map(|c| {
                    let mut m = counted.clone();
                    m.settings = c.clone();
                    predict_labels(&m, &test)
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    Ok((0..candidates.len())
        .map(|c| {
            let mut pooled_pred = vec![String::new(); examples.len()];
            let folds = (0..k)
                .map(|f| {
                    let truth: Vec<&str> = labels
                        .iter()
                        .zip(&fold)
                        .filter(|(_, &g)| g == f)
                        .map(|(l, _)| *l)
                        .collect();
                    let idx = fold
                        .iter()
                        .enumerate()
                        .filter(|(_, &g)| g == f)
                        .map(|(i, _)| i);
                    for (i, p) in idx.zip(&per_fold[f][c]) {
                        pooled_pred[i] = p.clone();
                    }
                    let pred: Vec<&str> = per_fold[f][c].iter().map(String::as_str).collect();
                    Report::new(&truth, &pred)
                })
                .collect();
            let pred: Vec<&str> = pooled_pred.iter().map(String::as_str).collect();
            CvResult {
                folds,
                pooled: Report::new(&labels, &pred),
            }
        })
        .collect())
}

/// One set of features for [`tune`]: word unigrams, bigrams, character n-grams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    pub words: bool,
    pub bigrams: bool,
    pub char_ngrams: Option<(u8, u8)>,
}

impl Features {
    /// The feature kinds of `s`.
    fn of(s: &Settings) -> Features {
        Features {
            words: s.text.words,
            bigrams: s.text.bigrams,
            char_ngrams: s.text.char_ngrams,
        }
    }
}

/// How training rows are weighted before counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transform {
    pub sublinear_tf: bool,
    pub idf: bool,
    pub norm: Norm,
}

impl Transform {
    /// The training transform of `s`.
    fn of(s: &Settings) -> Transform {
        Transform {
            sublinear_tf: s.sublinear_tf,
            idf: s.idf,
            norm: s.norm,
        }
    }
}

/// A decision rule and its smoothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    pub variant: Variant,
    pub fit_prior: bool,
    pub weight_norm: bool,
}

impl Rule {
    /// The decision rule of `s`.
    fn of(s: &Settings) -> Rule {
        Rule {
            variant: s.variant,
            fit_prior: s.fit_prior,
            weight_norm: s.weight_norm,
        }
    }
}

impl Grid {
    /// The rules to try for settings found best with `rule`: Bernoulli NB only with itself
    /// (it counts differently), the others with every rule of the grid.
    fn rules_like(&self, rule: Rule) -> Vec<Rule> {
        if rule.variant == Variant::Bernoulli {
            vec![rule]
        } else {
            self.rules.clone()
        }
    }
}

/// The staged search of `tune`.
///
/// Stage 1 crosses every feature set with every transform (raw or sublinear tf, idf or
/// not, L2 length norm or not) and every decision rule (multinomial with fitted or uniform
/// priors, Complement NB with and without weight normalisation; Bernoulli on binary
/// counts) at a few alphas, with stemming on, no stop words and min-df 1. Stage 2 takes the
/// `refine` best (feature set, transform) pairs of stage 1 and crosses them with stemming,
/// stop words, min-df and a finer alpha grid. Stage 3 takes the `refine` best settings of
/// stages 1-2 that have both word features and character n-grams, and makes the n-grams a
/// second expert (`char_weights`), crossed with every decision rule and the fine alphas.
/// Stage 4 (with `split_neutral`, when some neutral rows name no AI term) takes the
/// `refine` best settings of stages 1-3 with different counts and trains their off-topic
/// neutral rows as a class of their own (`Settings::split_neutral`), crossed with every
/// decision rule, the fine alphas and (if they had one) the character experts' weights.
/// Every candidate is cross-validated with the same folds.
#[derive(Clone, Debug)]
pub struct Grid {
    pub features: Vec<Features>,
    pub transforms: Vec<Transform>,
    pub rules: Vec<Rule>,
    pub alphas: Vec<f64>,
    pub bernoulli_alphas: Vec<f64>,
    pub refine: usize,
    pub fine_alphas: Vec<f64>,
    pub stem: Vec<bool>,
    pub stop_words: Vec<bool>,
    pub min_df: Vec<usize>,
    /// Stage 3's weights of the character n-gram expert.
    pub char_weights: Vec<f64>,
    /// Whether stage 4 tries the best settings with `split_neutral`.
    pub split_neutral: bool,
}

impl Default for Grid {
    fn default() -> Self {
        let f = |words, bigrams, char_ngrams| Features {
            words,
            bigrams,
            char_ngrams,
        };
        let mut transforms = Vec::new();
        for sublinear_tf in [false, true] {
            for idf in [false, true] {
                for norm in [Norm::None, Norm::L2] {
                    transforms.push(Transform {
                        sublinear_tf,
                        idf,
                        norm,
                    });
                }
            }
        }
        let r = |variant, fit_prior, weight_norm| Rule {
            variant,
            fit_prior,
            weight_norm,
        };
        Grid {
            features: vec![
                f(true, false, None),
                f(true, true, None),
                f(false, false, Some((3, 5))),
                f(true, false, Some((3, 5))),
                f(true, false, Some((2, 4))),
                f(true, true, Some((3, 5))),
            ],
            transforms,
            rules: vec![
                r(Variant::Multinomial, true, false),
                r(Variant::Multinomial, false, false),
                r(Variant::Complement, true, false),
                r(Variant::Complement, true, true),
            ],
            alphas: vec![0.1, 0.3, 1.0],
            bernoulli_alphas: vec![0.1, 0.3, 1.0],
            refine: 3,
            fine_alphas: vec![0.05, 0.1, 0.2, 0.3, 0.5, 1.0],
            stem: vec![true, false],
            stop_words: vec![false, true],
            min_df: vec![1, 2],
            char_weights: vec![0.1, 0.15, 0.2, 0.3, 0.5],
            split_neutral: true,
        }
    }
}

/// One tuned setting and its cross-validated scores.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub settings: Settings,
    /// The search stage that tried it (1 to 4).
    pub stage: u8,
    pub accuracy: Spread,
    pub macro_f1: Spread,
    pub polarity_accuracy: Spread,
}

/// The candidates that share the counts of `b` (and, with `split_neutral`, train the
/// off-topic neutral rows as a class of their own): every rule, alpha and character
/// expert's weight, in that order.
fn regroup(
    b: &Settings,
    rules: &[Rule],
    alphas: &[f64],
    weights: &[Option<f64>],
    split_neutral: bool,
) -> Vec<Settings> {
    let plain = group(
        Features::of(b),
        Transform::of(b),
        (b.text.stem, b.text.stop_words, b.min_df),
        rules,
        alphas,
    );
    plain
        .iter()
        .flat_map(|s| {
            weights.iter().map(move |&w| Settings {
                char_weight: w,
                split_neutral,
                ..s.clone()
            })
        })
        .collect()
}

/// The settings of one counting group and its candidates.
fn group(
    features: Features,
    transform: Transform,
    (stem, stop_words, min_df): (bool, bool, usize),
    rules: &[Rule],
    alphas: &[f64],
) -> Vec<Settings> {
    let text = TextConfig {
        stem,
        stop_words,
        bigrams: features.bigrams,
        words: features.words,
        char_ngrams: features.char_ngrams,
    };
    let mut out = Vec::new();
    for rule in rules {
        for &alpha in alphas {
            out.push(Settings {
                text: text.clone(),
                min_df,
                max_features: None,
                alpha,
                variant: rule.variant,
                sublinear_tf: transform.sublinear_tf,
                fit_prior: rule.fit_prior,
                idf: transform.idf,
                norm: transform.norm,
                weight_norm: rule.weight_norm,
                char_weight: None,
                split_neutral: false,
            });
        }
    }
    out
}

/// Cross-validates every candidate of every group; appends the results.
fn run_groups(
    examples: &[Example],
    groups: Vec<Vec<Settings>>,
    stage: u8,
    k: usize,
    seed: u64,
    progress: &mut dyn FnMut(&TuneProgress),
    out: &mut Vec<Candidate>,
) -> Result<()> {
    let n = groups.len();
    let report = |done: usize, out: &[Candidate], progress: &mut dyn FnMut(&TuneProgress)| {
        progress(&TuneProgress {
            stage,
            done,
            of: n,
            tried: out.len(),
            best_macro_f1: out.iter().map(|c| c.macro_f1.mean).max_by(f64::total_cmp),
        })
    };
    for (i, cands) in groups.into_iter().enumerate() {
        report(i, out, progress);
        let Some(first) = cands.first() else { continue };
        let base = first.clone().check()?;
        let results = run_group(examples, &base, &cands, k, seed)?;
        for (settings, r) in cands.into_iter().zip(results) {
            out.push(Candidate {
                settings,
                stage,
                accuracy: r.accuracy(),
                macro_f1: r.macro_f1(),
                polarity_accuracy: r.polarity_accuracy(),
            });
        }
    }
    report(n, out, progress);
    Ok(())
}

/// Whether models with settings `a` and `b` count the same numbers (they differ only in
/// their decision rule, smoothing or character expert's weight).
fn counted_alike(a: &Settings, b: &Settings) -> bool {
    a.text == b.text
        && a.min_df == b.min_df
        && a.sublinear_tf == b.sublinear_tf
        && a.idf == b.idf
        && a.norm == b.norm
}

/// The settings of the best `n` ranked candidates that `keep` accepts, no two `alike`.
fn best_bases(
    ranked: &[Candidate],
    n: usize,
    keep: impl Fn(&Settings) -> bool,
    alike: impl Fn(&Settings, &Settings) -> bool,
) -> Vec<Settings> {
    let mut bases: Vec<Settings> = Vec::new();
    for s in ranked.iter().map(|c| &c.settings).filter(|s| keep(s)) {
        if bases.len() == n {
            break;
        }
        if !bases.iter().any(|b| alike(b, s)) {
            bases.push(s.clone());
        }
    }
    bases
}

/// Where a [`tune`] search is, as passed to its progress callback.
#[derive(Clone, Debug, PartialEq)]
pub struct TuneProgress {
    /// 1 to 4.
    pub stage: u8,
    /// Groups of settings of this stage measured so far, of `of`.
    pub done: usize,
    pub of: usize,
    /// Settings measured so far, all stages.
    pub tried: usize,
    /// The best mean macro-F1 so far.
    pub best_macro_f1: Option<f64>,
}

fn rank(c: &mut [Candidate]) {
    c.sort_by(|a, b| {
        b.macro_f1
            .mean
            .total_cmp(&a.macro_f1.mean)
            .then(b.accuracy.mean.total_cmp(&a.accuracy.mean))
    });
}

/// Runs the staged search of `grid` (see [`Grid`]); best macro-F1 first (ties: higher
/// accuracy, then the order tried). `progress` is called before the first group of each
/// stage and as groups finish.
///
/// # Errors
/// As for [`cross_validate`].
pub fn tune(
    examples: &[Example],
    grid: &Grid,
    k: usize,
    seed: u64,
    progress: &mut dyn FnMut(&TuneProgress),
) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    let mut groups = Vec::new();
    for &features in &grid.features {
        for &transform in &grid.transforms {
            groups.push(group(
                features,
                transform,
                (true, false, 1),
                &grid.rules,
                &grid.alphas,
            ));
        }
    }
    if !grid.bernoulli_alphas.is_empty() {
        let bernoulli = Rule {
            variant: Variant::Bernoulli,
            fit_prior: true,
            weight_norm: false,
        };
        let binary = Transform {
            sublinear_tf: false,
            idf: false,
            norm: Norm::None,
        };
        for &features in &grid.features {
            groups.push(group(
                features,
                binary,
                (true, false, 1),
                &[bernoulli],
                &grid.bernoulli_alphas,
            ));
        }
    }
    run_groups(examples, groups, 1, k, seed, progress, &mut out)?;
    rank(&mut out);
    // stage 2: the best (features, transform) pairs, refined
    let mut best: Vec<(Features, Transform, Rule)> = Vec::new();
    for c in &out {
        let s = &c.settings;
        let (f, t) = (Features::of(s), Transform::of(s));
        if !best.iter().any(|(bf, bt, _)| *bf == f && *bt == t) {
            best.push((f, t, Rule::of(s)));
        }
        if best.len() == grid.refine {
            break;
        }
    }
    let mut groups = Vec::new();
    for (f, t, rule) in &best {
        let rules = grid.rules_like(*rule);
        for &stem in &grid.stem {
            for &stop_words in &grid.stop_words {
                for &min_df in &grid.min_df {
                    let stage1 = stem && !stop_words && min_df == 1;
                    // stemming changes nothing without word features
                    if !f.words && !f.bigrams && !stem {
                        continue;
                    }
                    let alphas: Vec<f64> = grid
                        .fine_alphas
                        .iter()
                        .copied()
                        .filter(|a| !(stage1 && grid.alphas.contains(a)))
                        .collect();
                    let mut g = group(*f, *t, (stem, stop_words, min_df), &rules, &alphas);
                    if stage1 {
                        // the stage-1 alphas of this group are already measured
                        g.retain(|s| !grid.alphas.contains(&s.alpha));
                    }
                    if !g.is_empty() {
                        groups.push(g);
                    }
                }
            }
        }
    }
    run_groups(examples, groups, 2, k, seed, progress, &mut out)?;
    rank(&mut out);
    // stage 3: the character n-grams as a second expert, for the best settings with both
    // kinds of features (one group each: they share their counts)
    let bases = best_bases(
        &out,
        grid.refine,
        |s| {
            let both = s.text.char_ngrams.is_some() && (s.text.words || s.text.bigrams);
            both && s.variant != Variant::Bernoulli && s.char_weight.is_none()
        },
        counted_alike,
    );
    let weights: Vec<Option<f64>> = grid.char_weights.iter().map(|&w| Some(w)).collect();
    let groups: Vec<Vec<Settings>> = bases
        .iter()
        .map(|b| regroup(b, &grid.rules, &grid.fine_alphas, &weights, false))
        .filter(|g| !g.is_empty())
        .collect();
    run_groups(examples, groups, 3, k, seed, progress, &mut out)?;
    rank(&mut out);
    // stage 4: the off-topic neutral rows as a class of their own, for the best settings
    // (one group each), if there are such rows
    let split = Settings {
        split_neutral: true,
        ..Settings::default()
    };
    if grid.split_neutral && examples.iter().any(|e| split.class_of(e) != e.label) {
        let bases = best_bases(
            &out,
            grid.refine,
            |_| true,
            |a, b| counted_alike(a, b) && a.char_weight.is_some() == b.char_weight.is_some(),
        );
        let groups: Vec<Vec<Settings>> = bases
            .iter()
            .map(|b| {
                let own = [None];
                let weights = if b.char_weight.is_some() {
                    &weights[..]
                } else {
                    &own[..]
                };
                let rules = grid.rules_like(Rule::of(b));
                regroup(b, &rules, &grid.fine_alphas, weights, true)
            })
            .collect();
        run_groups(examples, groups, 4, k, seed, progress, &mut out)?;
        rank(&mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_balanced_and_seeded() {
        let labels: Vec<&str> = (0..103)
            .map(|i| if i % 3 == 0 { "a" } else { "b" })
            .collect();
        let f = stratified_folds(&labels, 5, 7).unwrap();
        for k in 0..5 {
            let size = f.iter().filter(|&&g| g == k).count();
            assert!((20..=21).contains(&size), "fold {k}: {size}");
            let a = (0..103).filter(|&i| f[i] == k && labels[i] == "a").count();
            assert!((6..=7).contains(&a), "fold {k}: {a} of label a");
        }
        assert_eq!(f, stratified_folds(&labels, 5, 7).unwrap());
        assert_ne!(f, stratified_folds(&labels, 5, 8).unwrap());
        assert!(stratified_folds(&labels, 1, 7).is_err());
    }

    #[test]
    fn staged_search_covers_the_grid_and_ranks_it() {
        use crate::corpus::Example;
        let rows = [
            ("open models cut the bill", "cost"),
            ("cheaper inference for everyone", "cost"),
            ("no licence fees at all", "cost"),
            ("the bill fell by half", "cost"),
            ("attackers exploit the server", "security"),
            ("a poisoned checkpoint hides a backdoor", "security"),
            ("prompt injection leaks secrets", "security"),
            ("attackers exploit a flaw", "security"),
        ];
        let ex: Vec<Example> = rows
            .iter()
            .map(|(t, l)| Example {
                text: t.to_string(),
                label: l.to_string(),
                line: 0,
            })
            .collect();
        let grid = Grid {
            features: vec![
                Features {
                    words: true,
                    bigrams: false,
                    char_ngrams: None,
                },
                Features {
                    words: false,
                    bigrams: false,
                    char_ngrams: Some((2, 3)),
                },
                Features {
                    words: true,
                    bigrams: false,
                    char_ngrams: Some((2, 3)),
                },
            ],
            alphas: vec![0.5],
            bernoulli_alphas: vec![0.5],
            refine: 1,
            fine_alphas: vec![0.5, 1.0],
            char_weights: vec![0.2, 0.5],
            ..Grid::default()
        };
        let mut seen: Vec<TuneProgress> = Vec::new();
        let ranked = tune(&ex, &grid, 2, 3, &mut |p| seen.push(p.clone())).unwrap();
        // stage 1: 3 features x 8 transforms x 4 rules x 1 alpha + 3 Bernoulli
        let stage1 = ranked.iter().filter(|c| c.stage == 1).count();
        assert_eq!(stage1, 3 * 8 * 4 + 3);
        assert!(ranked.iter().any(|c| c.stage == 2));
        // stage 3: the one best word + n-gram setting x 4 rules x 2 alphas x 2 weights
        let stage3: Vec<_> = ranked.iter().filter(|c| c.stage == 3).collect();
        assert_eq!(stage3.len(), 4 * 2 * 2);
        assert!(stage3.iter().all(|c| c.settings.char_weight.is_some()
            && c.settings.text.words
            && c.settings.text.char_ngrams.is_some()));
        assert!(ranked
            .iter()
            .filter(|c| c.stage < 3)
            .all(|c| c.settings.char_weight.is_none()));
        assert!(ranked
            .windows(2)
            .all(|w| w[0].macro_f1.mean >= w[1].macro_f1.mean));
        // progress: each stage from 0 to all of its groups, the settings tried counted up,
        // and at the end the best macro-F1 is the winner's
        assert_eq!((seen[0].stage, seen[0].done, seen[0].tried), (1, 0, 0));
        let last = seen.last().unwrap();
        assert_eq!((last.stage, last.done), (3, last.of));
        assert_eq!(last.tried, ranked.len());
        assert_eq!(last.best_macro_f1, Some(ranked[0].macro_f1.mean));
        assert!(seen.windows(2).all(|w| w[0].tried <= w[1].tried));
        assert!(seen
            .iter()
            .any(|p| p.stage == 1 && p.done == p.of && p.tried == stage1));
        // no setting is tried twice
        for (i, a) in ranked.iter().enumerate() {
            assert!(
                ranked[i + 1..].iter().all(|b| b.settings != a.settings),
                "{:?} twice",
                a.settings
            );
        }
    }
}
