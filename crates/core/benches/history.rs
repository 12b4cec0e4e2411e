//! The history at 100,000 actions: writing intents and outcomes the way the app does, querying
//! a filtered page, exporting everything to CSV, and the file's size.
//!
//! `cargo bench -p subdesk-core --bench history`
//!
//! The app writes each intent and each outcome in its own transaction with
//! `synchronous=FULL` (one WAL fsync per commit), so an intent is durable before its request
//! goes out. That is measured first, in a temp file, under a time budget: when the budget runs
//! out before 100,000 pairs the rate is extrapolated and said so. A second database gets the
//! same 100,000 pairs with 1,000 pairs per transaction (same calls, wrapped in BEGIN/COMMIT),
//! which is what an import or a test fixture would do; the queries and the export run on it.

use std::path::Path;
use std::time::{Duration, Instant};

use subdesk_core::history::{Completion, ExportFormat, History, HistoryFilter, Intent, Outcome};
use subdesk_core::{Action, Error, Provider, Status};

const PAIRS: usize = 100_000;
/// Time allowed for the one-transaction-per-write phase.
const BUDGET: Duration = Duration::from_secs(60);
const BATCH: usize = 1_000;

const COMPANIES: [&str; 8] = [
    "Bright Dental",
    "Northwind Legal",
    "Acme Plumbing",
    "Harbor Vets",
    "Summit Realty",
    "Lotus Spa",
    "Oak Tutors",
    "Pine Clinic",
];

fn intent(i: usize) -> Intent {
    // One in five is Vobiz; one in four has no job. (`is_multiple_of` is newer than the MSRV.)
    let (fifth, quarter) = (i % 5, i % 4);
    let twilio = fifth > 0;
    Intent {
        actor: "alice".into(),
        operator_name: None,
        reason: None,
        connection_id: if twilio {
            "7f0c1f8e-4c1e-4d6b-9b7e-0c2b6b6a1a01"
        } else {
            "2b1d6f3a-9e55-4a3c-8f0e-6c7d5e4b3a02"
        }
        .into(),
        connection_label: if twilio { "Acme Twilio" } else { "Acme Vobiz" }.into(),
        provider: if twilio {
            Provider::Twilio
        } else {
            Provider::Vobiz
        },
        account_id: if twilio {
            format!("AC{:032x}", i as u128 * 7919)
        } else {
            format!("SA_{:010}", i)
        },
        account_name: format!(
            "Tenant {:05} — {}",
            i % 20_000,
            COMPANIES[i % COMPANIES.len()]
        ),
        action: [Action::Suspend, Action::Reactivate, Action::Close][i % 3],
        status_before: Some(Status::Active),
        job_id: (quarter > 0).then(|| format!("job-{}", i / 500)),
        snapshot: None,
    }
}

/// About 85% succeed, 10% fail with a provider error, 5% are skipped.
fn completion(i: usize) -> Completion {
    let base = Completion {
        request_id: Some(format!("RQ{:032x}", i as u128 * 104_729)),
        duration_ms: Some(80 + (i % 400) as i64),
        ..Completion::outcome(Outcome::Succeeded)
    };
    match i % 20 {
        0 | 7 => Completion {
            status_after: Some(Status::Active),
            ..Completion::outcome(Outcome::Failed).with_error(&Error::Provider {
                status: 400,
                code: Some("21478".into()),
                message: "Account suspended by Twilio".into(),
            })
        },
        13 => Completion {
            status_after: Some(Status::Closed),
            ..Completion::outcome(Outcome::Skipped).with_error(&Error::AlreadyClosed)
        },
        _ => Completion {
            status_after: Some(Status::Suspended),
            ..base
        },
    }
}

fn write_pair(h: &History, i: usize) {
    let id = h.begin(&intent(i)).unwrap();
    h.complete(id, &completion(i)).unwrap();
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn sizes(db: &Path) -> String {
    let main = file_size(db);
    let wal = file_size(&db.with_extension("db-wal"));
    format!(
        "{:.1} MB (+ {:.1} MB WAL not yet checkpointed)",
        main as f64 / 1e6,
        wal as f64 / 1e6
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, Duration, Duration) {
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..runs {
        let started = Instant::now();
        out = Some(f());
        times.push(started.elapsed());
    }
    times.sort();
    (out.unwrap(), times[times.len() / 2], times[0])
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    println!(
        "== history: {PAIRS} intent+outcome pairs in {} ==",
        dir.path().display()
    );

    // 1. As the app writes: begin() then complete(), each its own FULL-synced transaction.
    let full_path = dir.path().join("full.db");
    let full = History::open(&full_path).unwrap().history;
    let started = Instant::now();
    let mut done = 0;
    while done < PAIRS && started.elapsed() < BUDGET {
        write_pair(&full, done);
        done += 1;
    }
    let took = started.elapsed();
    let per_pair = took / done as u32;
    if done == PAIRS {
        println!("one transaction per write (synchronous=FULL): {PAIRS} pairs in {:.2} s = {:.3} ms per pair, {:.0} pairs/s", took.as_secs_f64(), ms(per_pair), done as f64 / took.as_secs_f64());
    } else {
        println!(
            "one transaction per write (synchronous=FULL): {done} pairs in {:.2} s (budget {} s) = {:.3} ms per pair, {:.0} pairs/s; {PAIRS} pairs would take about {:.0} s (extrapolated)",
            took.as_secs_f64(),
            BUDGET.as_secs(),
            ms(per_pair),
            done as f64 / took.as_secs_f64(),
            per_pair.as_secs_f64() * PAIRS as f64
        );
    }
    println!("  file: {}", sizes(&full_path));

    // 2. The same calls, 1,000 pairs per transaction.
    let batched_path = dir.path().join("batched.db");
    let h = History::open(&batched_path).unwrap().history;
    let started = Instant::now();
    for chunk in (0..PAIRS).collect::<Vec<_>>().chunks(BATCH) {
        h.with_connection(|c| Ok(c.execute_batch("BEGIN")?))
            .unwrap();
        for &i in chunk {
            write_pair(&h, i);
        }
        h.with_connection(|c| Ok(c.execute_batch("COMMIT")?))
            .unwrap();
    }
    let took = started.elapsed();
    println!(
        "{BATCH} pairs per transaction (synchronous=FULL): {PAIRS} pairs in {:.2} s = {:.1} us per pair, {:.0} pairs/s",
        took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / PAIRS as f64,
        PAIRS as f64 / took.as_secs_f64()
    );
    println!("  file: {}", sizes(&batched_path));

    // 3. Queries on the 100,000-entry history.
    let failed_dental = HistoryFilter {
        outcome: Some(Outcome::Failed),
        text: Some("Dental".into()),
        ..HistoryFilter::default()
    };
    let (page, median, min) = timed(20, || h.query(&failed_dental, None, 100).unwrap());
    assert_eq!(page.entries.len(), 100);
    println!("query outcome=failed + text \"Dental\", page of 100: median {:.2} ms, min {:.2} ms ({} match in all)", ms(median), ms(min), page.total);
    let before = page.entries.last().map(|e| e.id);
    let (_, median, min) = timed(20, || h.query(&failed_dental, before, 100).unwrap());
    println!(
        "  the next page (before_id)                        : median {:.2} ms, min {:.2} ms",
        ms(median),
        ms(min)
    );
    let (page, median, min) = timed(20, || {
        h.query(&HistoryFilter::default(), None, 100).unwrap()
    });
    println!("query without filter, newest 100                   : median {:.2} ms, min {:.2} ms ({} in all)", ms(median), ms(min), page.total);
    let acct = HistoryFilter {
        text: Some(format!("AC{:032x}", 4242u128 * 7919)),
        ..HistoryFilter::default()
    };
    let (page, median, min) = timed(20, || h.query(&acct, None, 100).unwrap());
    println!("query text = one account SID                       : median {:.2} ms, min {:.2} ms ({} match)", ms(median), ms(min), page.total);
    let name = HistoryFilter {
        text: Some("tenant 04242".into()),
        ..HistoryFilter::default()
    };
    let (page, median, min) = timed(20, || h.query(&name, None, 100).unwrap());
    println!("query text = part of a name (\"tenant 04242\")      : median {:.2} ms, min {:.2} ms ({} match)", ms(median), ms(min), page.total);
    let short = HistoryFilter {
        text: Some("Ac".into()),
        ..HistoryFilter::default()
    };
    let (page, median, min) = timed(5, || h.query(&short, None, 100).unwrap());
    println!("query text of 2 characters (scan, no trigram)      : median {:.2} ms, min {:.2} ms ({} match)", ms(median), ms(min), page.total);

    // 4. Export everything.
    let csv = dir.path().join("export.csv");
    let (n, median, min) = timed(3, || {
        h.export_to_path(&HistoryFilter::default(), ExportFormat::Csv, &csv)
            .unwrap()
    });
    assert_eq!(n, PAIRS as u64);
    println!(
        "export all to CSV: {n} rows, median {:.0} ms, min {:.0} ms, {:.1} MB",
        ms(median),
        ms(min),
        file_size(&csv) as f64 / 1e6
    );

    h.with_connection(|c| Ok(c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?))
        .unwrap();
    println!(
        "database file after a checkpoint: {} for {PAIRS} entries ({:.0} bytes per entry)",
        sizes(&batched_path),
        file_size(&batched_path) as f64 / PAIRS as f64
    );
}
