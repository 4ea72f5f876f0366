//! RFM plus k-means (k = 6, 20 iterations) over 100,000 synthetic customers, natively: the
//! shared code issue 7's `segmentation_native_ms` will time (the browser figure is still to be
//! written). Not a timed test; run it by hand:
//!
//!   cargo test --release -p kedao-app --test segmentation_compute -- --ignored --nocapture

use kedao_app::domain::cluster::{kmeans, standardise};
use kedao_app::domain::rfm::{scores, Purchases, Segment};
use std::time::Instant;

#[test]
#[ignore = "a probe, run by hand"]
fn rfm_and_kmeans_over_100000_customers() {
    // A fixed, uneven spread of purchase histories (no randomness: the same every run).
    let customers: Vec<Purchases> = (0..100_000u64)
        .map(|i| {
            let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            Purchases { recency_days: (h % 10 != 0).then_some((h % 720) as u32), orders: (h % 37) as u32 + 1, amount_fen: ((h % 50_000) as i64 + 100) * 100 }
        })
        .collect();
    for _ in 0..3 {
        let t = Instant::now();
        let rfm = scores(&customers);
        let mut points: Vec<f64> = rfm.iter().flat_map(|s| [f64::from(s.r), f64::from(s.f), f64::from(s.m)]).collect();
        standardise(&mut points, 3);
        let clusters = kmeans(&points, 3, 6, 20, 42).unwrap();
        let elapsed = t.elapsed();
        let champions = rfm.iter().filter(|s| Segment::of(**s) == Segment::Champions).count();
        println!("rfm + k-means(6, 20) over {} customers: {elapsed:?} ({} iterations, {champions} champions)", customers.len(), clusters.iterations);
    }
}
