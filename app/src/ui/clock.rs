//! Time as the screens need it: today's business day from the device's clock, and a monotonic
//! clock for the computations a screen times (shown as `data-compute-ms` for the benchmarks).

use crate::domain::funnel::day_of_ms;

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now() as i64;
    #[cfg(not(feature = "hydrate"))]
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Today as a business day (see `funnel::day_of_ms`).
pub fn today() -> i32 {
    day_of_ms(now_ms())
}

/// A monotonic clock in milliseconds, for timing work in the browser (0 on the server).
pub fn perf_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
    #[cfg(not(feature = "hydrate"))]
    0.0
}
