//! The `claimscan._claimscan` extension module: a thin layer over `claimscan::Classifier`.
//! The Python package (`python/claimscan/__init__.py`) wraps it with input checks and numpy.

use claimscan::corpus::{load, CsvOptions};
use claimscan::model::{train as train_model, Norm, Settings, Variant};
use claimscan::Classifier;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::Path;

create_exception!(
    _claimscan,
    ModelError,
    PyException,
    "A model file that is missing a header, damaged, of another version or crafted."
);

/// The library's error as the Python exception a user expects, with the same one-line
/// message as the command line.
fn to_py(e: claimscan::Error) -> PyErr {
    let msg = e.to_string();
    match e {
        claimscan::Error::Model { .. } => ModelError::new_err(msg),
        claimscan::Error::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(msg)
        }
        claimscan::Error::Io { .. } => PyOSError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

#[pyclass(module = "claimscan._claimscan", frozen)]
struct NativeClassifier {
    clf: Classifier,
}

#[pymethods]
impl NativeClassifier {
    #[staticmethod]
    fn embedded() -> PyResult<Self> {
        Ok(NativeClassifier {
            clf: Classifier::embedded().map_err(to_py)?,
        })
    }

    #[staticmethod]
    fn load(path: &str) -> PyResult<Self> {
        Ok(NativeClassifier {
            clf: Classifier::load(path).map_err(to_py)?,
        })
    }

    fn labels(&self) -> Vec<String> {
        self.clf.labels().to_vec()
    }

    fn recommended_threshold(&self) -> Option<f64> {
        self.clf.recommended_threshold()
    }

    fn settings(&self) -> String {
        self.clf.model().settings.flags()
    }

    /// Labels, one per text, in order (all cores, without the GIL).
    #[pyo3(signature = (texts, threshold=None))]
    fn predict(&self, py: Python<'_>, texts: Vec<String>, threshold: Option<f64>) -> Vec<String> {
        let clf = self.clf.clone().with_threshold(threshold);
        py.detach(|| {
            clf.predict_batch(&texts)
                .into_iter()
                .map(|p| p.label)
                .collect()
        })
    }

    /// Probabilities as little-endian f64 bytes, one row of `labels()` per text.
    fn predict_proba<'py>(&self, py: Python<'py>, texts: Vec<String>) -> Bound<'py, PyBytes> {
        let rows = py.detach(|| self.clf.probabilities_batch(&texts));
        let mut bytes = Vec::with_capacity(rows.len() * self.clf.labels().len() * 8);
        for row in rows {
            for p in row {
                bytes.extend_from_slice(&p.to_le_bytes());
            }
        }
        PyBytes::new(py, &bytes)
    }

    /// The records of `predict --format json`, as one JSON array.
    #[pyo3(signature = (texts, top=1, threshold=None, explain=0))]
    fn predict_records(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        top: usize,
        threshold: Option<f64>,
        explain: usize,
    ) -> PyResult<String> {
        let clf = self
            .clf
            .clone()
            .with_top(top)
            .with_threshold(threshold)
            .with_explain(explain);
        py.detach(|| {
            let records: Vec<serde_json::Value> = texts
                .iter()
                .zip(clf.predict_batch(&texts))
                .map(|(t, p)| {
                    let mut v = serde_json::to_value(&p).expect("a prediction serialises");
                    v["text"] = serde_json::Value::String(t.clone());
                    v
                })
                .collect();
            serde_json::to_string(&records)
        })
        .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// A document's report as JSON.
    #[pyo3(signature = (text, name="text", threshold=None))]
    fn report(&self, py: Python<'_>, text: &str, name: &str, threshold: Option<f64>) -> String {
        let clf = self.clf.clone().with_threshold(threshold);
        py.detach(|| clf.report(name, text).to_json().to_string())
    }
}

fn settings_from_json(json: &str) -> PyResult<Settings> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut s = Settings {
        sublinear_tf: true,
        ..Settings::default()
    };
    let obj = v
        .as_object()
        .ok_or_else(|| PyValueError::new_err("settings must be a mapping"))?;
    for (k, val) in obj {
        let bad = || PyValueError::new_err(format!("invalid value for {k}: {val}"));
        let b = || val.as_bool().ok_or_else(bad);
        match k.as_str() {
            "alpha" => s.alpha = val.as_f64().ok_or_else(bad)?,
            "bigrams" => s.text.bigrams = b()?,
            "stop_words" => s.text.stop_words = b()?,
            "stem" => s.text.stem = b()?,
            "words" => s.text.words = b()?,
            "char_ngrams" => {
                s.text.char_ngrams = match val {
                    serde_json::Value::Null => None,
                    serde_json::Value::Array(a) if a.len() == 2 => {
                        let n = |x: &serde_json::Value| {
                            x.as_u64()
                                .and_then(|n| u8::try_from(n).ok())
                                .ok_or_else(bad)
                        };
                        Some((n(&a[0])?, n(&a[1])?))
                    }
                    _ => return Err(bad()),
                }
            }
            "min_df" => s.min_df = val.as_u64().ok_or_else(bad)? as usize,
            "max_features" => {
                s.max_features = match val {
                    serde_json::Value::Null => None,
                    _ => Some(val.as_u64().ok_or_else(bad)? as usize),
                }
            }
            "variant" => {
                s.variant = val
                    .as_str()
                    .ok_or_else(bad)?
                    .parse::<Variant>()
                    .map_err(to_py)?
            }
            "sublinear_tf" => s.sublinear_tf = b()?,
            "fit_prior" => s.fit_prior = b()?,
            "idf" => s.idf = b()?,
            "norm" => {
                s.norm = val
                    .as_str()
                    .ok_or_else(bad)?
                    .parse::<Norm>()
                    .map_err(to_py)?
            }
            "weight_norm" => s.weight_norm = b()?,
            "split_neutral" => s.split_neutral = b()?,
            "char_weight" => {
                s.char_weight = if val.is_null() {
                    None
                } else {
                    Some(val.as_f64().ok_or_else(bad)?)
                }
            }
            _ => return Err(PyValueError::new_err(format!("unknown setting {k:?}"))),
        }
    }
    Ok(s)
}

/// Trains a model on a labelled CSV (columns `text` and `label`) and writes it.
#[pyfunction]
#[pyo3(signature = (csv_path, out_path, settings_json="{}", calibrate=false))]
fn train(
    py: Python<'_>,
    csv_path: &str,
    out_path: &str,
    settings_json: &str,
    calibrate: bool,
) -> PyResult<()> {
    let settings = settings_from_json(settings_json)?.check().map_err(to_py)?;
    py.detach(|| {
        let examples = load(Path::new(csv_path), &CsvOptions::default())?;
        let mut model = train_model(&examples, &settings)?;
        if calibrate {
            model.calibration = Some(claimscan::calibrate::calibrate(
                &examples,
                &settings,
                5,
                claimscan::cv::DEFAULT_SEED,
            )?);
        }
        claimscan::persist::save(&model, Path::new(out_path))
    })
    .map_err(to_py)
}

/// Evaluates a model (the embedded one when `model_path` is None) on a labelled CSV: the
/// object of `claimscan eval --json`, as JSON.
#[pyfunction]
#[pyo3(signature = (csv_path, model_path=None))]
fn evaluate(py: Python<'_>, csv_path: &str, model_path: Option<&str>) -> PyResult<String> {
    py.detach(|| {
        let clf = match model_path {
            Some(p) => Classifier::load(p)?,
            None => Classifier::embedded()?,
        };
        let examples = load(Path::new(csv_path), &CsvOptions::default())?;
        let (r, pr, _) = clf.evaluate(&examples);
        Ok(claimscan::calibrate::evaluation_json(&r, &pr).to_string())
    })
    .map_err(to_py)
}

#[pymodule]
fn _claimscan(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeClassifier>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
