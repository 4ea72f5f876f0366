//! k-means clustering 聚类 of customers on chosen numeric features (issue 7): standardised
//! features, k-means++ seeding from a fixed seed (the same input and seed give the same clusters
//! on every device and on the server), Lloyd iterations, and the within-cluster sum of squares per
//! k for an elbow hint. Points are kept flat (`n × d` values in one slice) so 100,000 customers
//! are one allocation.

/// A clustering: each point's cluster, the centres (in standardised units), the within-cluster
/// sum of squares, and the iterations run.
#[derive(Debug, Clone, PartialEq)]
pub struct Clusters {
    pub assignment: Vec<u32>,
    pub centroids: Vec<f64>,
    pub inertia: f64,
    pub iterations: u32,
}

/// Why a clustering cannot run (a code the UI translates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterError {
    /// No points, or no features.
    Empty,
    /// k is 0 or more than the points.
    BadK,
    /// A value is not a finite number.
    NotFinite,
}

impl ClusterError {
    pub fn code(self) -> &'static str {
        match self {
            ClusterError::Empty => "segment_empty",
            ClusterError::BadK => "k_too_large",
            ClusterError::NotFinite => "invalid_number",
        }
    }
}

/// Each feature rescaled to mean 0 and standard deviation 1 (a constant feature becomes 0), so
/// amounts in fen do not drown order counts.
pub fn standardise(points: &mut [f64], d: usize) {
    if d == 0 || points.is_empty() {
        return;
    }
    let n = (points.len() / d) as f64;
    for j in 0..d {
        let mean = points.iter().skip(j).step_by(d).sum::<f64>() / n;
        let var = points.iter().skip(j).step_by(d).map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let sd = var.sqrt();
        for v in points.iter_mut().skip(j).step_by(d) {
            *v = if sd > 0.0 { (*v - mean) / sd } else { 0.0 };
        }
    }
}

/// SplitMix64: a few lines, so that a seed means the same sequence on every platform (the `rand`
/// crate would add weight to the wasm for one generator and does not promise stable streams).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// k-means on `points` (`n × d`, already standardised if wanted): k-means++ seeding from `seed`,
/// then at most `iterations` rounds, stopping early when no point changes cluster.
pub fn kmeans(points: &[f64], d: usize, k: usize, iterations: u32, seed: u64) -> Result<Clusters, ClusterError> {
    if d == 0 || points.is_empty() || !points.len().is_multiple_of(d) {
        return Err(ClusterError::Empty);
    }
    if points.iter().any(|v| !v.is_finite()) {
        return Err(ClusterError::NotFinite);
    }
    let n = points.len() / d;
    if k == 0 || k > n {
        return Err(ClusterError::BadK);
    }
    let point = |i: usize| &points[i * d..(i + 1) * d];
    let mut rng = SplitMix(seed);
    // k-means++: the first centre at random, each next one with probability ∝ squared distance.
    let mut centroids: Vec<f64> = Vec::with_capacity(k * d);
    centroids.extend_from_slice(point((rng.next() % n as u64) as usize));
    let mut nearest: Vec<f64> = (0..n).map(|i| dist2(point(i), &centroids[..d])).collect();
    for _ in 1..k {
        let total: f64 = nearest.iter().sum();
        let chosen = if total > 0.0 {
            let mut target = rng.unit() * total;
            let mut pick = n - 1;
            for (i, w) in nearest.iter().enumerate() {
                if target < *w {
                    pick = i;
                    break;
                }
                target -= w;
            }
            pick
        } else {
            // Every point sits on a centre already (duplicates): any point will do.
            (rng.next() % n as u64) as usize
        };
        let start = centroids.len();
        centroids.extend_from_slice(point(chosen));
        for (i, best) in nearest.iter_mut().enumerate() {
            *best = best.min(dist2(point(i), &centroids[start..start + d]));
        }
    }
    let mut assignment = vec![u32::MAX; n];
    let mut iterations_run = 0;
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    for _ in 0..iterations {
        iterations_run += 1;
        let mut changed = false;
        for (i, slot) in assignment.iter_mut().enumerate() {
            let p = point(i);
            let mut best = (f64::INFINITY, 0u32);
            for c in 0..k {
                let dd = dist2(p, &centroids[c * d..(c + 1) * d]);
                if dd < best.0 {
                    best = (dd, c as u32);
                }
            }
            if *slot != best.1 {
                *slot = best.1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        sums.iter_mut().for_each(|s| *s = 0.0);
        counts.iter_mut().for_each(|c| *c = 0);
        for (i, &a) in assignment.iter().enumerate() {
            let c = a as usize;
            counts[c] += 1;
            for (s, v) in sums[c * d..(c + 1) * d].iter_mut().zip(point(i)) {
                *s += v;
            }
        }
        for c in 0..k {
            if counts[c] > 0 {
                for j in 0..d {
                    centroids[c * d + j] = sums[c * d + j] / counts[c] as f64;
                }
            } else {
                // An empty cluster takes the point farthest from its own centre.
                let far = (0..n)
                    .max_by(|&a, &b| {
                        let da = dist2(point(a), &centroids[assignment[a] as usize * d..][..d]);
                        let db = dist2(point(b), &centroids[assignment[b] as usize * d..][..d]);
                        da.total_cmp(&db).then(b.cmp(&a))
                    })
                    .unwrap_or(0);
                centroids[c * d..(c + 1) * d].copy_from_slice(point(far));
            }
        }
    }
    let inertia = (0..n).map(|i| dist2(point(i), &centroids[assignment[i] as usize * d..][..d])).sum();
    Ok(Clusters { assignment, centroids, inertia, iterations: iterations_run })
}

/// The within-cluster sum of squares for each k in `ks` (same seed and iterations): where the
/// curve stops falling steeply (the elbow) is a good k.
pub fn elbow(points: &[f64], d: usize, ks: impl IntoIterator<Item = usize>, iterations: u32, seed: u64) -> Vec<(usize, Result<f64, ClusterError>)> {
    ks.into_iter().map(|k| (k, kmeans(points, d, k, iterations, seed).map(|c| c.inertia))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight groups in two dimensions, ten points each.
    fn groups() -> Vec<f64> {
        let mut pts = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 10.0), (0.0, 10.0)] {
            for i in 0..10 {
                let t = f64::from(i) * 0.1;
                pts.extend_from_slice(&[cx + t, cy - t]);
            }
        }
        pts
    }

    #[test]
    fn three_groups_are_found_whatever_the_seed() {
        let pts = groups();
        for seed in [1, 2, 3, 42, 1_000] {
            let c = kmeans(&pts, 2, 3, 20, seed).unwrap();
            // Every group's ten points share one cluster, and the three clusters differ.
            let ids: Vec<u32> = (0..3).map(|g| c.assignment[g * 10]).collect();
            for (g, id) in ids.iter().enumerate() {
                assert!(c.assignment[g * 10..g * 10 + 10].iter().all(|a| a == id), "seed {seed}");
            }
            assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "seed {seed}");
            // Each group's centre is its middle; the squared distances to it are
            // 2·(t − 0.45)² for t = 0, 0.1, … 0.9: 1.65 a group, 4.95 in all.
            assert!((c.inertia - 4.95).abs() < 1e-9, "{}", c.inertia);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_clusters() {
        let pts: Vec<f64> = (0..500).map(|i| f64::from((i * 37) % 101)).collect();
        let a = kmeans(&pts, 2, 6, 20, 7).unwrap();
        assert_eq!(a, kmeans(&pts, 2, 6, 20, 7).unwrap());
        assert!(a.iterations <= 20);
    }

    #[test]
    fn bad_input_is_named() {
        let pts = groups();
        assert_eq!(kmeans(&pts, 2, 31, 20, 1).unwrap_err(), ClusterError::BadK);
        assert_eq!(kmeans(&pts, 2, 0, 20, 1).unwrap_err(), ClusterError::BadK);
        assert_eq!(kmeans(&[], 2, 1, 20, 1).unwrap_err(), ClusterError::Empty);
        assert_eq!(kmeans(&[1.0, f64::NAN], 2, 1, 20, 1).unwrap_err(), ClusterError::NotFinite);
        assert_eq!(ClusterError::BadK.code(), "k_too_large");
        // k equal to the points: each its own cluster, nothing left over.
        let c = kmeans(&pts[..6], 2, 3, 20, 1).unwrap();
        assert_eq!(c.inertia, 0.0);
        // All points identical: any k up to n runs and ends at zero.
        assert_eq!(kmeans(&[5.0; 8], 2, 3, 20, 9).unwrap().inertia, 0.0);
    }

    #[test]
    fn the_elbow_falls_steeply_until_the_true_k() {
        let curve = elbow(&groups(), 2, 1..=5, 20, 3);
        let w: Vec<f64> = curve.iter().map(|(_, r)| *r.as_ref().unwrap()).collect();
        assert!(w.windows(2).all(|p| p[1] <= p[0] + 1e-9), "{w:?}");
        // From 2 to 3 clusters the error drops by far more than from 3 to 4.
        assert!(w[1] - w[2] > 10.0 * (w[2] - w[3]), "{w:?}");
    }

    #[test]
    fn standardising_gives_mean_zero_and_unit_spread() {
        let mut pts = vec![1.0, 100.0, 2.0, 100.0, 3.0, 100.0];
        standardise(&mut pts, 2);
        let col0: Vec<f64> = pts.iter().step_by(2).copied().collect();
        assert!((col0.iter().sum::<f64>()).abs() < 1e-12);
        assert!((col0.iter().map(|v| v * v).sum::<f64>() / 3.0 - 1.0).abs() < 1e-12);
        assert!(pts.iter().skip(1).step_by(2).all(|v| *v == 0.0), "a constant feature becomes 0");
    }
}
