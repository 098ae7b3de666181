//! criterion benches: tokenising, scoring one sentence, scoring a batch, training on the
//! corpus, and linfa-bayes's own dense `predict` on the same batch as the baseline that
//! shows what the sparse table buys.

use claimscan::corpus::{read, CsvOptions};
use claimscan::internals::{densify, fit_linfa};
use claimscan::model::{sparse_row, train, Settings};
use claimscan::text::{for_each_word, Pipeline};
use claimscan::{Scorer, Scratch, EMBEDDED_CORPUS};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use linfa::traits::Predict;
use std::path::Path;

fn examples() -> Vec<claimscan::corpus::Example> {
    read(
        EMBEDDED_CORPUS.as_bytes(),
        Path::new("corpus/claims.csv"),
        &CsvOptions::default(),
    )
    .unwrap()
}

fn benches(c: &mut Criterion) {
    let ex = examples();
    let texts: Vec<&str> = ex.iter().map(|e| e.text.as_str()).collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let model = claimscan::embedded_model().unwrap();
    let scorer = Scorer::new(&model);

    let mut g = c.benchmark_group("tokenise");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("corpus", |b| {
        let mut buf = String::new();
        b.iter(|| {
            let mut n = 0usize;
            for t in &texts {
                for_each_word(t, &mut buf, |w| n += w.len());
            }
            black_box(n)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("score");
    let one = "Open-weight models let scammers clone a CEO's voice in minutes.";
    g.throughput(Throughput::Elements(1));
    g.bench_function("one sentence", |b| {
        let mut s = Scratch::default();
        b.iter(|| black_box(scorer.score(black_box(one), &mut s)))
    });
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function(BenchmarkId::new("sparse table batch", texts.len()), |b| {
        let mut s = Scratch::default();
        b.iter(|| {
            let mut k = 0;
            for t in &texts {
                k += scorer.score(t, &mut s).best;
            }
            black_box(k)
        })
    });
    // the dense baseline: linfa-bayes fitted on the same counts, predicting the same batch
    // (featurising included, as the sparse path includes it)
    let pipeline = Pipeline::new(model.settings.text.clone());
    let targets: Vec<usize> = ex
        .iter()
        .map(|e| model.labels.binary_search(&e.label).unwrap())
        .collect();
    let featurise = |texts: &[&str]| -> Vec<_> {
        texts
            .iter()
            .map(|t| {
                let mut terms = Vec::new();
                pipeline.terms(t, &mut terms);
                sparse_row(&terms, &model.vocab, &model.settings)
            })
            .collect()
    };
    let rows = featurise(&texts);
    let nb = fit_linfa(&rows, &targets, model.vocab.len(), model.settings.alpha).unwrap();
    g.bench_function(
        BenchmarkId::new("linfa dense predict batch", texts.len()),
        |b| b.iter(|| black_box(nb.predict(&densify(&featurise(&texts), model.vocab.len())))),
    );
    g.finish();

    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ex.len() as u64));
    let settings = model.settings.clone().check().unwrap();
    g.bench_function("corpus, shipped settings", |b| {
        b.iter(|| black_box(train(&ex, &settings).unwrap()))
    });
    let default = Settings::default().check().unwrap();
    g.bench_function("corpus, defaults", |b| {
        b.iter(|| black_box(train(&ex, &default).unwrap()))
    });
    g.finish();
}

criterion_group!(throughput, benches);
criterion_main!(throughput);
