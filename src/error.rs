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

    /// Reading or writing a file failed. The OS error is part of the message, and not
    /// also a `source()`, so that printing the chain of causes shows it once.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
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

    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_error_says_its_os_error_once_whatever_prints_it() {
        let e = Error::io("/no/such.csv", std::io::Error::from_raw_os_error(2));
        assert!(std::error::Error::source(&e).is_none());
        let chain = format!("{:#}", anyhow::Error::from(e));
        assert_eq!(chain.matches("os error 2").count(), 1, "{chain}");
        assert!(chain.starts_with("/no/such.csv: "), "{chain}");
    }
}
