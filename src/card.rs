//! What a model is, for the people who read its labels: an identity (the CRC-32 of the
//! model file's bytes, with the training settings), its calibration, and how accurate it
//! was measured to be, when that is known (the embedded model's figures are recorded
//! below and checked by the test suite against the model's bytes).

use crate::model::Model;
use serde_json::json;

/// Accuracy figures measured for one model file.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownMetrics {
    /// CRC-32 of the model file the figures belong to.
    pub crc32: u32,
    /// Folds of the cross-validation on the training corpus.
    pub cv_folds: usize,
    /// Cross-validated accuracy on the training corpus.
    pub cv_accuracy: f64,
    /// Cross-validated macro-F1 on the training corpus.
    pub cv_macro_f1: f64,
    /// Held-out sets, never used to choose settings: (file, sentences, accuracy, macro-F1).
    pub heldout: &'static [(&'static str, usize, f64, f64)],
}

/// The measured figures of the shipped model (`models/claims.model`): `claimscan eval --cv 5
/// --calibrate` with its settings on `corpus/claims.csv`, and `claimscan eval` on
/// `tests/fixtures/heldout.csv` and `heldout_web.csv`. A test recomputes the held-out
/// figures and fails when the shipped model changes without this table.
pub const KNOWN_METRICS: &[KnownMetrics] = &[KnownMetrics {
    crc32: 0xbd40_34c0,
    cv_folds: 5,
    cv_accuracy: 0.8391,
    cv_macro_f1: 0.8361,
    heldout: &[
        ("tests/fixtures/heldout.csv", 300, 0.9500, 0.9503),
        ("tests/fixtures/heldout_web.csv", 720, 0.9181, 0.9180),
    ],
}];

/// A model's identity and what is known of its accuracy.
#[derive(Clone, Debug)]
pub struct ModelCard {
    /// Where the model came from: `embedded (corpus/claims.csv)` or the file's path.
    pub name: String,
    /// CRC-32 of the model file's bytes.
    pub crc32: u32,
    /// The `train` flags that reproduce its settings.
    pub settings: String,
    pub labels: Vec<String>,
    pub calibration: Option<crate::model::Calibration>,
    pub vocabulary: usize,
    pub training_rows: u64,
    /// The model file's format version.
    pub format_version: u32,
    /// Measured accuracy, when this exact file was measured.
    pub metrics: Option<&'static KnownMetrics>,
}

impl ModelCard {
    /// The card of `model`, read from `bytes`, called `name`.
    pub fn new(name: &str, bytes: &[u8], model: &Model) -> ModelCard {
        let crc32 = crc32fast::hash(bytes);
        ModelCard {
            name: name.to_string(),
            crc32,
            settings: model.settings.flags(),
            labels: crate::scorer::label_groups(&model.labels).0,
            calibration: model.calibration.clone(),
            vocabulary: model.vocab.len(),
            training_rows: model.training_rows(),
            format_version: crate::persist::format_version(model),
            metrics: KNOWN_METRICS.iter().find(|m| m.crc32 == crc32),
        }
    }

    /// The card of the embedded model.
    ///
    /// # Errors
    /// Only if the build embedded a damaged model.
    pub fn embedded() -> crate::Result<(ModelCard, Model)> {
        let model = crate::embedded_model()?;
        let card = ModelCard::new(EMBEDDED_NAME, crate::EMBEDDED_MODEL, &model);
        Ok((card, model))
    }

    /// The model in the file at `path` (or the embedded one for `None`), with its card.
    ///
    /// # Errors
    /// The file cannot be read, or is not a valid claimscan model.
    pub fn load(path: Option<&std::path::Path>) -> crate::Result<(ModelCard, Model)> {
        let Some(path) = path else {
            return ModelCard::embedded();
        };
        let model = crate::persist::load(path)?;
        let bytes = std::fs::read(path).map_err(|error| crate::Error::Io {
            path: path.to_path_buf(),
            error,
        })?;
        Ok((
            ModelCard::new(&path.display().to_string(), &bytes, &model),
            model,
        ))
    }

    /// The card of `model`, already loaded from the file at `path` (`None`: the embedded
    /// model); reads the file's bytes again for the identity.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn of_loaded(path: Option<&std::path::Path>, model: &Model) -> crate::Result<ModelCard> {
        Ok(match path {
            None => ModelCard::new(EMBEDDED_NAME, crate::EMBEDDED_MODEL, model),
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|error| crate::Error::Io {
                    path: path.to_path_buf(),
                    error,
                })?;
                ModelCard::new(&path.display().to_string(), &bytes, model)
            }
        })
    }

    /// `crc32:` and the eight hex digits of the model file's CRC-32.
    pub fn identity(&self) -> String {
        format!("crc32:{:08x}", self.crc32)
    }

    /// The card as JSON (what `GET /v1/model` answers).
    pub fn to_json(&self) -> serde_json::Value {
        let calibration = self.calibration.as_ref().map(|c| {
            json!({
                "temperature": c.temperature,
                "recommended_threshold": c.threshold,
                "folds": c.folds,
                "seed": c.seed,
                "top_label_map_points": c.top.len(),
            })
        });
        let metrics = self.metrics.map(|m| {
            let heldout: Vec<serde_json::Value> = m
                .heldout
                .iter()
                .map(|(file, n, acc, f1)| {
                    json!({"data": file, "sentences": n, "accuracy": acc, "macro_f1": f1})
                })
                .collect();
            json!({
                "cross_validated": {
                    "data": "corpus/claims.csv",
                    "folds": m.cv_folds,
                    "accuracy": m.cv_accuracy,
                    "macro_f1": m.cv_macro_f1,
                },
                "heldout": heldout,
            })
        });
        json!({
            "name": self.name,
            "identity": self.identity(),
            "crc32": format!("{:08x}", self.crc32),
            "settings": self.settings,
            "format_version": self.format_version,
            "claimscan_version": env!("CARGO_PKG_VERSION"),
            "labels": self.labels,
            "vocabulary": self.vocabulary,
            "training_rows": self.training_rows,
            "calibration": calibration,
            "metrics": metrics,
        })
    }
}

/// How the embedded model is named.
pub const EMBEDDED_NAME: &str = "embedded (corpus/claims.csv)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_model_has_its_recorded_metrics_and_they_are_right() {
        let (card, model) = ModelCard::embedded().unwrap();
        assert_eq!(card.crc32, crc32fast::hash(crate::EMBEDDED_MODEL));
        let m = card
            .metrics
            .expect("the shipped model changed: measure it and update KNOWN_METRICS");
        assert!(m.cv_accuracy > 0.5 && m.cv_accuracy < 1.0 && m.cv_macro_f1 > 0.5);
        let clf = crate::Classifier::from_model(model);
        for (file, n, acc, f1) in m.heldout {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let examples = crate::corpus::load(&path, &Default::default()).unwrap();
            let (r, _, _) = clf.evaluate(&examples);
            assert_eq!(examples.len(), *n, "{file}");
            assert!(
                (r.accuracy - acc).abs() < 5e-5,
                "{file}: {} vs {acc}",
                r.accuracy
            );
            assert!(
                (r.macro_f1 - f1).abs() < 5e-5,
                "{file}: {} vs {f1}",
                r.macro_f1
            );
        }
        let v = card.to_json();
        assert_eq!(v["identity"], format!("crc32:{:08x}", card.crc32));
        assert_eq!(v["metrics"]["heldout"][0]["sentences"], 300);
    }

    #[test]
    fn another_model_has_no_recorded_metrics() {
        let (_, model) = ModelCard::embedded().unwrap();
        let card = ModelCard::new("x.model", b"not the shipped bytes", &model);
        assert!(card.metrics.is_none());
        assert_eq!(card.to_json()["metrics"], serde_json::Value::Null);
        assert_eq!(
            card.identity(),
            format!("crc32:{:08x}", crc32fast::hash(b"not the shipped bytes"))
        );
    }
}
