//! `subdesk-sim`: the simulator as a process, for end-to-end tests and manual runs.
//!
//! Seeds one Twilio parent and one Vobiz parent, prints ONE line of JSON with the base URL
//! and their credentials on stdout (so a test harness can read it), then serves until
//! SIGTERM or Ctrl-C. Logs go to stderr so stdout stays machine-readable.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use serde_json::json;
use subdesk_sim::{DeleteStyle, FaultKind, FaultPlan, Sim, SimConfig, VobizErrorShape};

#[derive(Debug, Parser)]
#[command(
    name = "subdesk-sim",
    version,
    about = "Twilio + Vobiz sub-account API simulator on 127.0.0.1"
)]
struct Args {
    /// Port on 127.0.0.1 (0 = pick a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Latency added to every provider request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Concurrent requests allowed per parent account; more get 429.
    #[arg(long)]
    concurrency_limit: Option<usize>,
    /// Probability (0..1) that a provider request fails.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    fault_rate: f64,
    /// Comma-separated fault kinds: too_many_requests, server_error, unavailable, reset,
    /// timeout, bad_gateway, gateway_timeout. Timeout is left out by default because it hangs
    /// on purpose. The other knobs (late-applied writes, purging closed accounts, API key
    /// rules) are set through `POST /_sim/config`.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "too_many_requests,server_error,unavailable,reset"
    )]
    fault_kinds: Vec<FaultKind>,
    /// How long a timeout fault hangs before dropping the connection, in milliseconds.
    #[arg(long, default_value_t = 60_000)]
    timeout_hang_ms: u64,
    /// Send `Retry-After: N` on 429 answers.
    #[arg(long)]
    retry_after_secs: Option<u64>,
    /// Twilio subaccounts to seed under the demo parent.
    #[arg(long, default_value_t = 25)]
    twilio_subaccounts: usize,
    /// Vobiz sub-accounts to seed under the demo parent.
    #[arg(long, default_value_t = 12)]
    vobiz_subaccounts: usize,
    /// Vonage subaccounts to seed under the demo primary account (every third suspended, the
    /// first with a balance of its own).
    #[arg(long, default_value_t = 4)]
    vonage_subaccounts: usize,
    /// Vobiz DELETE answer: with_message (200) or no_content (204).
    #[arg(long, default_value = "with_message")]
    vobiz_delete_style: DeleteStyle,
    /// Vobiz error body: envelope or plivo.
    #[arg(long, default_value = "envelope")]
    vobiz_error_shape: VobizErrorShape,
    /// Seed for ids and fault rolls.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("must be between 0 and 1, got {rate}"))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let config = SimConfig {
        port: Some(args.port),
        latency: Duration::from_millis(args.latency_ms),
        concurrency_limit: args.concurrency_limit,
        faults: FaultPlan {
            rate: args.fault_rate,
            kinds: args.fault_kinds,
        },
        rng_seed: args.seed,
        retry_after_secs: args.retry_after_secs,
        vobiz_delete_style: args.vobiz_delete_style,
        vobiz_error_shape: args.vobiz_error_shape,
        timeout_hang: Duration::from_millis(args.timeout_hang_ms),
        ..SimConfig::default()
    };
    let sim = match Sim::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            tracing::error!("cannot start the simulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let twilio = sim.add_twilio_parent("Demo Reseller (Twilio)");
    sim.seed_twilio_subaccounts(&twilio.sid, args.twilio_subaccounts);
    let vobiz = sim.add_vobiz_parent("Demo Reseller (Vobiz)");
    sim.seed_vobiz_subaccounts(&vobiz.auth_id, args.vobiz_subaccounts);
    let (vonage_key, vonage_secret) = sim.add_vonage_primary("Demo Reseller (Vonage)");
    for i in 0..args.vonage_subaccounts {
        let own_balance = (i == 0).then_some((12.5, 50.0));
        sim.add_vonage_subaccount(
            &vonage_key,
            &format!("Vonage Tenant {}", i + 1),
            i % 3 == 2,
            own_balance,
        );
    }

    let line = json!({
        "base_url": sim.base_url(),
        "twilio": {"account_sid": twilio.sid, "auth_token": twilio.auth_token},
        "vobiz": {"auth_id": vobiz.auth_id, "auth_token": vobiz.auth_token},
        "vonage": {"api_key": vonage_key, "api_secret": vonage_secret},
    });
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        tracing::error!("cannot write the start-up line to stdout");
        return ExitCode::FAILURE;
    }
    drop(out);

    wait_for_signal().await;
    tracing::info!("shutting down");
    sim.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-C everywhere, and SIGTERM on Unix (what test harnesses send).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM ({e}); Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
