//! Golden values: claimscan's three decision rules against scikit-learn's MultinomialNB,
//! ComplementNB and BernoulliNB (alpha = 0.5) on the committed fixture. The numbers below
//! were printed by tests/golden/sklearn_reference.py.

use claimscan::corpus::{load, CsvOptions};
use claimscan::model::{train, Settings, Variant};
use claimscan::text::TextConfig;
use claimscan::{Scorer, Scratch};

mod common;

// scikit-learn 1.9.1, vocabulary 74
// classes [np.str_('neutral'), np.str_('reward:cost'), np.str_('risk:misuse'), np.str_('risk:security')]
const MULTINOMIAL_JLL: [[f64; 4]; 5] = [
    [
        -32.46420112152822,
        -33.7410682961231,
        -33.91582938558458,
        -27.178468104193296,
    ],
    [
        -20.40065512554535,
        -20.79441541679836,
        -15.697103761614487,
        -20.66742062354004,
    ],
    [
        -25.51338635308564,
        -23.395976588862943,
        -30.210420629519433,
        -27.5999335536479,
    ],
    [
        -17.463959295974945,
        -22.427569855849775,
        -25.406399584786175,
        -22.268826364276876,
    ],
    [
        -1.3862943611198906,
        -1.3862943611198906,
        -1.3862943611198906,
        -1.3862943611198906,
    ],
];
const MULTINOMIAL_PROBA: [[f64; 4]; 5] = [
    [
        0.0050248226519279205,
        0.0014014718216626956,
        0.0011767564660450512,
        0.9923969490603651,
    ],
    [
        0.008866922770327018,
        0.005980878833694141,
        0.9783614421447184,
        0.00679075625125975,
    ],
    [
        0.10590053381980707,
        0.879989572181886,
        0.0009660555096181414,
        0.013143838488687599,
    ],
    [
        0.9847047962388703,
        0.0068807753177439245,
        0.0003499033197972067,
        0.008064525123588764,
    ],
    [0.25, 0.25, 0.25, 0.25],
];
const COMPLEMENT_JLL: [[f64; 4]; 5] = [
    [
        28.30754882517392,
        27.557911155295564,
        28.581820176682562,
        34.027903793393975,
    ],
    [
        16.776865218650716,
        16.55862928164898,
        21.574510185409448,
        16.632705472717923,
    ],
    [
        24.32209835119096,
        26.922856531567362,
        22.67736700656421,
        23.227308328400465,
    ],
    [
        22.708225841688993,
        18.404144494181857,
        18.005874177645047,
        18.496739733018043,
    ],
    [0.0, 0.0, 0.0, 0.0],
];
const COMPLEMENT_PROBA: [[f64; 4]; 5] = [
    [
        0.0032488493537362836,
        0.0015352039194611589,
        0.004274094384897032,
        0.9909418523419085,
    ],
    [
        0.008071397755922916,
        0.006488885136624028,
        0.9784519090439675,
        0.006987808063484077,
    ],
    [
        0.06665944908672734,
        0.8981660738686537,
        0.01286956811688203,
        0.022304908927737323,
    ],
    [
        0.96393762027963,
        0.013025972328011432,
        0.008746686292560741,
        0.014289721099798628,
    ],
    [0.25, 0.25, 0.25, 0.25],
];
const BERNOULLI_JLL: [[f64; 4]; 5] = [
    [
        -28.663106332227066,
        -31.691356461817985,
        -31.8779443866311,
        -22.16062817902288,
    ],
    [
        -26.71719618317175,
        -28.310361787473347,
        -20.71330911606521,
        -28.41179190394616,
    ],
    [
        -23.847027132593105,
        -22.57002368631606,
        -31.36711876286511,
        -28.41179190394616,
    ],
    [
        -18.52012230919316,
        -25.853626014652043,
        -27.47529846475448,
        -25.955056131124856,
    ],
    [
        -18.9335555869505,
        -20.526721191252097,
        -19.69165786853323,
        -20.62815130772491,
    ],
];
const BERNOULLI_PROBA: [[f64; 4]; 5] = [
    [
        0.0014972736994506148,
        7.246843371992678e-05,
        6.013326275535004e-05,
        0.9983701246040741,
    ],
    [
        0.0024607089100520327,
        0.0005002155762128161,
        0.9965871085710737,
        0.00045196694266261755,
    ],
    [
        0.2175410887603571,
        0.7800758767246229,
        0.00011792530260387392,
        0.0022651092124152086,
    ],
    [
        0.9986292654290408,
        0.0006523851951709896,
        0.0001288904382395428,
        0.0005894589375488397,
    ],
    [
        0.5389355837093551,
        0.10955541000624289,
        0.252520837847991,
        0.09898816843641203,
    ],
];

fn check(variant: Variant, jll: &[[f64; 4]; 5], proba: &[[f64; 4]; 5]) {
    let examples = load(&common::fixture("golden.csv"), &CsvOptions::default()).unwrap();
    let settings = Settings {
        text: TextConfig {
            stem: false,
            stop_words: false,
            bigrams: false,
            ..TextConfig::default()
        },
        alpha: 0.5,
        variant,
        ..Settings::default()
    };
    let model = train(&examples, &settings.check().unwrap()).unwrap();
    assert_eq!(model.vocab.len(), 74, "same vocabulary as CountVectorizer");
    let scorer = Scorer::new(&model);
    let probe = std::fs::read_to_string(common::fixture("probe.txt")).unwrap();
    let mut s = Scratch::default();
    for (i, line) in probe.lines().enumerate() {
        scorer.score(line, &mut s);
        for c in 0..4 {
            assert!(
                (s.jll[c] - jll[i][c]).abs() < 1e-9,
                "{variant} jll line {i} class {c}: {} vs {}",
                s.jll[c],
                jll[i][c]
            );
            assert!(
                (s.probs[c] - proba[i][c]).abs() < 1e-12,
                "{variant} proba line {i} class {c}"
            );
        }
    }
}

#[test]
fn multinomial_matches_scikit_learn() {
    check(Variant::Multinomial, &MULTINOMIAL_JLL, &MULTINOMIAL_PROBA);
}

#[test]
fn complement_matches_scikit_learn() {
    check(Variant::Complement, &COMPLEMENT_JLL, &COMPLEMENT_PROBA);
}

#[test]
fn bernoulli_matches_scikit_learn() {
    check(Variant::Bernoulli, &BERNOULLI_JLL, &BERNOULLI_PROBA);
}
