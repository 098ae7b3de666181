//! The top-label calibration's isotonic regression against scikit-learn's
//! `IsotonicRegression`: the same pools (knots at their centroids) and the same
//! interpolated values, within 1e-12. The numbers were written by
//! tests/golden/sklearn_isotonic.py.

use claimscan::calibrate::isotonic;
use claimscan::scorer::interpolate;
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    sklearn: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    x: Vec<f64>,
    y: Vec<f64>,
    knots: Vec<(f64, f64)>,
    grid: Vec<f64>,
    predicted: Vec<f64>,
}

#[test]
fn isotonic_regression_matches_scikit_learn() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/isotonic_reference.json");
    let reference: Reference =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        reference.cases.len() >= 3,
        "scikit-learn {}",
        reference.sklearn
    );
    for case in &reference.cases {
        let knots = isotonic(&case.x, &case.y);
        assert!(knots.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert_eq!(knots.len(), case.knots.len(), "{}: pools", case.name);
        for (k, (a, b)) in knots.iter().zip(&case.knots).enumerate() {
            assert!(
                (a.0 - b.0).abs() < 1e-12 && (a.1 - b.1).abs() < 1e-12,
                "{}: knot {k}: {a:?} vs {b:?}",
                case.name
            );
        }
        for (x, want) in case.grid.iter().zip(&case.predicted) {
            let got = interpolate(&knots, *x);
            assert!(
                (got - want).abs() < 1e-12,
                "{}: at {x}: {got} vs scikit-learn {want}",
                case.name
            );
        }
    }
}
