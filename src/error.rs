//! The library's error type: every message names the bad value, and where there is one,
//! the file and the line.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library. The binary maps these to exit code 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter failed validation before any work was done.
    #[error("invalid parameter: {0}")]
    Param(String),

    /// A training or evaluation CSV could not be used; `line` is 1-based.
    #[error("{}{}: {msg}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Data {
        path: PathBuf,
        line: Option<u64>,
        msg: String,
    },

    /// A model file is missing, damaged, or of another format.
    #[error("{}: {msg}", path.display())]
    Model { path: PathBuf, msg: String },

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The estimator rejected the data.
    #[error("fitting failed: {0}")]
    Fit(String),
}

impl Error {
    pub(crate) fn data(
        path: impl Into<PathBuf>,
        line: Option<u64>,
        msg: impl Into<String>,
    ) -> Self {
        Error::Data {
            path: path.into(),
            line,
            msg: msg.into(),
        }
    }

    pub(crate) fn model(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            msg: msg.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
