//! The design permit-followup does not use, measured for `scripts/bench`: tokio-cron-scheduler
//! holding one job per permit (its in-memory store), each firing on the permit's review date.
//! Prints how long registering the jobs took and the process's peak memory (VmHWM).
//!
//!     cargo bench --bench cron_peer -- 1000000

use std::time::Instant;
use tokio_cron_scheduler::{Job, JobScheduler};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let jobs: u32 = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(100_000);
    let started = Instant::now();
    let scheduler = JobScheduler::new().await?;
    for i in 0..jobs {
        // 07:00 on the permit's review day: a day of the year from its number.
        let (month, day) = (1 + i % 12, 1 + (i / 12) % 28);
        let cron = format!("0 0 7 {day} {month} *");
        let job = Job::new_async_tz(cron.as_str(), chrono_tz::Europe::Stockholm, |_, _| Box::pin(async {}))?;
        scheduler.add(job).await?;
    }
    let registered = started.elapsed();
    scheduler.start().await?;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let status = std::fs::read_to_string("/proc/self/status")?;
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    println!(
        "cron_peer: {jobs} jobs registered in {:.2} s; peak {} MiB",
        registered.as_secs_f64(),
        peak_kib / 1024
    );
    Ok(())
}
