//! claimscan: spot claims about the risks and rewards of AI in text.
//!
//! The pipeline is split by concern: [`text`] turns text into terms, [`vocab`] maps terms
//! to feature columns, [`corpus`] loads labelled CSV, [`model`] trains per-class statistics
//! through linfa-bayes, [`scorer`] compiles them into a sparse table for fast prediction,
//! [`persist`] reads and writes model files, and [`metrics`] measures a model.
//! The library never prints, exits or panics on user input.

pub mod corpus;
pub mod cv;
pub mod error;
pub mod metrics;
pub mod model;
pub mod persist;
pub mod scorer;
pub mod text;
pub mod vocab;

pub use error::{Error, Result};
pub use model::{Model, Settings, Variant};
pub use scorer::{Scorer, Scratch};

/// The model shipped with claimscan, trained on `corpus/claims.csv`.
pub const EMBEDDED_MODEL: &[u8] = include_bytes!("../models/claims.model");

/// Loads the embedded default model.
///
/// # Errors
/// Only if the build embedded a damaged file, which the test suite rules out.
pub fn embedded_model() -> Result<Model> {
    persist::from_bytes(
        EMBEDDED_MODEL,
        std::path::Path::new("<embedded models/claims.model>"),
    )
}
