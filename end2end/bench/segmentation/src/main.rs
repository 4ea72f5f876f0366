//! `BENCH segmentation_native_ms`: the workload of `lib.rs` natively, median of 5 runs.
//!
//!   cargo run --release -p kedao-segbench

use kedao_segbench::{data, segment, CUSTOMERS, ORDERS};
use std::time::Instant;

fn main() {
    let orders = data(CUSTOMERS, ORDERS);
    let mut times = Vec::new();
    let mut outcome = None;
    for _ in 0..5 {
        let started = Instant::now();
        let found = segment(&orders);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        outcome = Some(found);
    }
    times.sort_by(f64::total_cmp);
    if let Some(found) = outcome {
        // The wasm run must find the same (end2end/bench/segmentation.mjs compares).
        println!("outcome {found}");
    }
    println!("BENCH segmentation_native_ms {:.1} ms", times[times.len() / 2]);
}
