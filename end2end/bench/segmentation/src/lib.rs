//! The segmentation benchmark's workload, one function for both sides: the same synthetic data
//! (generated here, not timed) and the same shared code (`kedao_app::domain`) natively
//! (`src/main.rs`) and in Chromium (the `Bench` export, run by `end2end/bench/segmentation.mjs`).
//!
//! Timed: every customer's orders folded into purchases for a 365-day period (`Profile::build`,
//! which also scores RFM by quintiles), the RFM scores standardised, and k-means with k = 6 and at
//! most 20 iterations — what the segments screen does when it opens and clusters.

use kedao_app::domain::cluster::{kmeans, standardise};
use kedao_app::domain::funnel::parse_day;
use kedao_app::domain::order::{OrderStatus, OrderView};
use kedao_app::domain::rfm::Segment;
use kedao_app::domain::segment::Profile;

pub const CUSTOMERS: usize = 100_000;
pub const ORDERS: usize = 1_000_000;
pub const TODAY: &str = "2026-11-24";

/// SplitMix64, so the data is the same on every platform.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Each customer's orders: unevenly spread (a few customers buy a lot), over three years, one in
/// twenty cancelled, one or two of forty products each.
pub fn data(customers: usize, orders: usize) -> Vec<Vec<OrderView>> {
    let today = parse_day(TODAY).expect("a day");
    let mut out: Vec<Vec<OrderView>> = vec![Vec::new(); customers];
    for i in 0..orders as u64 {
        let h = mix(i);
        // Squaring a uniform number leans towards the first customers.
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        let c = ((u * u) * customers as f64) as usize % customers;
        let h2 = mix(h);
        let day = today - (h2 % 1095) as i32;
        let mut products = vec![format!("SKU-{:02}", h2 % 40)];
        if h2.is_multiple_of(3) {
            products.push(format!("SKU-{:02}", (h2 >> 8) % 40));
        }
        out[c].push(OrderView {
            id: format!("o{i}"),
            customer_id: format!("c{c}"),
            order_no: format!("SO{i}"),
            day,
            total_fen: ((h2 >> 16) % 50_000 + 100) as i64 * 100,
            cost_fen: Some(((h2 >> 16) % 30_000 + 50) as i64 * 100),
            status: if h.is_multiple_of(20) { OrderStatus::Cancelled } else { OrderStatus::Completed },
            products,
            campaign_id: None,
            ..OrderView::default()
        });
    }
    out
}

/// What a run found, to show both sides computed the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub buyers: usize,
    pub champions: usize,
    pub iterations: u32,
    pub cluster_sizes: Vec<usize>,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "buyers={} champions={} iterations={} clusters={:?}", self.buyers, self.champions, self.iterations, self.cluster_sizes)
    }
}

/// The timed work.
pub fn segment(orders: &[Vec<OrderView>]) -> Outcome {
    let today = parse_day(TODAY).expect("a day");
    let profile = Profile::build(orders.len(), |i| orders[i].iter(), today, 365);
    let mut points: Vec<f64> = profile.rfm.iter().flat_map(|s| [f64::from(s.r), f64::from(s.f), f64::from(s.m)]).collect();
    standardise(&mut points, 3);
    let clusters = kmeans(&points, 3, 6, 20, 42).expect("100,000 points, k = 6");
    let mut cluster_sizes = vec![0; 6];
    for a in &clusters.assignment {
        cluster_sizes[*a as usize] += 1;
    }
    Outcome {
        buyers: profile.summaries.iter().filter(|s| s.orders > 0).count(),
        champions: profile.rfm.iter().filter(|s| Segment::of(**s) == Segment::Champions).count(),
        iterations: clusters.iterations,
        cluster_sizes,
    }
}

#[cfg(target_arch = "wasm32")]
mod web {
    use wasm_bindgen::prelude::*;

    /// The data made once (not timed); `run` is what the page times.
    #[wasm_bindgen]
    pub struct Bench {
        orders: Vec<Vec<kedao_app::domain::order::OrderView>>,
    }

    #[wasm_bindgen]
    impl Bench {
        #[wasm_bindgen(constructor)]
        pub fn new(customers: usize, orders: usize) -> Bench {
            Bench { orders: super::data(customers, orders) }
        }

        /// Runs the workload once; returns what it found.
        pub fn run(&self) -> String {
            super::segment(&self.orders).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_is_deterministic_and_counts_every_customer() {
        let d = data(1_000, 10_000);
        assert_eq!(d.iter().map(Vec::len).sum::<usize>(), 10_000);
        let a = segment(&d);
        assert_eq!(a, segment(&data(1_000, 10_000)));
        assert_eq!(a.cluster_sizes.iter().sum::<usize>(), 1_000);
        assert!(a.buyers > 0 && a.buyers <= 1_000 && a.iterations <= 20);
    }
}
