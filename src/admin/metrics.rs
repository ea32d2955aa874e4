//! The daemon's figures in the Prometheus text format (`/metrics`). The daemon records them
//! from what its passes report ([`Metrics::record`] with the `metrics` macros and the names
//! below); the jobs know nothing of them. Labels are unit keys, causes (`periodic_review` or a
//! signal kind), signal states and the version: configuration words, never personal data.
//!
//! The recorder is this value's own, not a process-wide one, so several daemons in one test
//! process keep their figures apart.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

/// Tasks created, by `unit` and `cause` (counter).
pub const TASKS_CREATED: &str = "permit_followup_tasks_created_total";
/// Periodic tasks deferred by capacity, by `unit` (counter; a task deferred on several ticks
/// counts on each).
pub const TASKS_DEFERRED: &str = "permit_followup_tasks_deferred_total";
/// Open tasks, by `unit` (gauge, after each tick).
pub const TASKS_OPEN: &str = "permit_followup_tasks_open";
/// Open tasks past their due date, by `unit` (gauge, after each tick).
pub const TASKS_OVERDUE: &str = "permit_followup_tasks_overdue";
/// Signals, by `state` (gauge, after each tick).
pub const SIGNALS: &str = "permit_followup_signals";
/// Records of the Navet files read so far (gauge, after each tick).
pub const NAVET_RECORDS: &str = "permit_followup_navet_records_read";
/// Signals derived from Navet files so far, by `kind` (gauge, after each tick).
pub const NAVET_SIGNALS: &str = "permit_followup_navet_signals_derived";
/// Digests accepted by the mail server, by `unit` (counter).
pub const DIGESTS_SENT: &str = "permit_followup_digests_sent_total";
/// Attempts to send a digest that failed and will be retried, by `unit` (counter).
pub const DIGESTS_FAILED: &str = "permit_followup_digests_failed_total";
/// Digests the server refused for good, by `unit` (counter).
pub const DIGESTS_REFUSED: &str = "permit_followup_digests_refused_total";
/// Ticks, by `outcome`: `ran`, `skipped` (another instance ran it) or `failed` (counter).
pub const TICKS: &str = "permit_followup_ticks_total";
/// Digest runs, by `outcome`: `ran`, `skipped` or `failed` (counter).
pub const DIGEST_RUNS: &str = "permit_followup_digest_runs_total";
/// How long ticks took (histogram, seconds).
pub const TICK_DURATION: &str = "permit_followup_tick_duration_seconds";
/// How long digest runs took (histogram, seconds).
pub const DIGEST_DURATION: &str = "permit_followup_digest_duration_seconds";
/// When the last tick that ran here finished without error (gauge, Unix seconds).
pub const LAST_TICK: &str = "permit_followup_last_tick_success_timestamp_seconds";
/// When the last digest run here finished with every pending digest sent (gauge, Unix seconds).
pub const LAST_DIGEST: &str = "permit_followup_last_digest_success_timestamp_seconds";
/// Whether the database answers (gauge, 1 or 0).
pub const DATABASE_UP: &str = "permit_followup_database_up";
/// Requests of the task API, by `route` (its pattern) and `status` (counter).
pub const HTTP_REQUESTS: &str = "permit_followup_http_requests_total";
/// Refused requests of the task API, by `reason`: `unauthenticated`, `rate_limited`,
/// `forbidden`, `hidden` (another unit's task) (counter).
pub const HTTP_REFUSED: &str = "permit_followup_http_refused_total";
/// How long the task API took to answer, by `route` (histogram, seconds).
pub const HTTP_DURATION: &str = "permit_followup_http_request_duration_seconds";
/// 1, with the running `version` as a label (gauge).
pub const BUILD_INFO: &str = "permit_followup_build_info";

/// Bucket bounds (seconds) of the duration histograms: from a quiet tick to a national load.
const DURATION_BUCKETS: [f64; 12] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// Bucket bounds (seconds) of the API's request durations: a key lookup to a slow page.
const HTTP_BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// The daemon's recorder and what renders it.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A recorder with the duration buckets, every figure described, and the build info set.
    pub fn new() -> Metrics {
        // Only an empty bucket list is refused; ours is not empty.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &HTTP_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), &DURATION_BUCKETS)
            })
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let metrics = Metrics { recorder, handle };
        metrics.record(describe);
        metrics.record(|| ::metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0));
        metrics
    }

    /// Runs `f` with this recorder as the one the `metrics` macros record to.
    pub fn record<T>(&self, f: impl FnOnce() -> T) -> T {
        ::metrics::with_local_recorder(&self.recorder, f)
    }

    /// Every figure in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        self.handle.run_upkeep();
        self.handle.render()
    }
}

fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(TASKS_CREATED, "Follow-up tasks created, by unit and cause.");
    describe_counter!(
        TASKS_DEFERRED,
        "Periodic review tasks deferred by weekly capacity, by unit (counted on each tick)."
    );
    describe_gauge!(TASKS_OPEN, "Open tasks, by unit.");
    describe_gauge!(TASKS_OVERDUE, "Open tasks past their due date, by unit.");
    describe_gauge!(SIGNALS, "Signals, by state.");
    describe_gauge!(NAVET_RECORDS, "Records of the Navet notification files read so far.");
    describe_gauge!(NAVET_SIGNALS, "Signals derived from Navet notification files so far, by kind.");
    describe_counter!(DIGESTS_SENT, "Digests accepted by the mail server, by unit.");
    describe_counter!(DIGESTS_FAILED, "Digest sends that failed and will be retried, by unit.");
    describe_counter!(DIGESTS_REFUSED, "Digests refused for good by the mail server, by unit.");
    describe_counter!(TICKS, "Ticks by outcome: ran, skipped (another instance ran it) or failed.");
    describe_counter!(DIGEST_RUNS, "Digest runs by outcome: ran, skipped or failed.");
    describe_histogram!(TICK_DURATION, Unit::Seconds, "How long ticks took.");
    describe_histogram!(DIGEST_DURATION, Unit::Seconds, "How long digest runs took.");
    describe_gauge!(LAST_TICK, Unit::Seconds, "Unix time of the last tick that ran here without error.");
    describe_gauge!(
        LAST_DIGEST,
        Unit::Seconds,
        "Unix time of the last digest run here that sent every pending digest."
    );
    describe_gauge!(DATABASE_UP, "Whether the database answers (1) or not (0).");
    describe_counter!(HTTP_REQUESTS, "Requests of the task API, by route and status.");
    describe_counter!(HTTP_REFUSED, "Refused requests of the task API, by reason.");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "How long the task API took to answer, by route.");
    describe_gauge!(BUILD_INFO, "Always 1; the label version is the running version.");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_recorded_in_one_recorder_render_there_and_nowhere_else() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.record(|| {
            ::metrics::counter!(TASKS_CREATED, "unit" => "study", "cause" => "periodic_review").increment(3)
        });
        a.record(|| ::metrics::histogram!(TICK_DURATION).record(0.2));
        let text = a.render();
        assert!(
            text.contains("permit_followup_tasks_created_total{unit=\"study\",cause=\"periodic_review\"} 3"),
            "{text}"
        );
        assert!(text.contains("permit_followup_tick_duration_seconds_bucket{le=\"0.25\"} 1"), "{text}");
        assert!(
            text.contains(&format!(
                "permit_followup_build_info{{version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
        assert!(!b.render().contains("tasks_created_total{"), "{}", b.render());
    }
}
