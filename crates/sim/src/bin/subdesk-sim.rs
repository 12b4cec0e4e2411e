//! `subdesk-sim`: the simulator as a process, for end-to-end tests and manual runs.
//!
//! Seeds one parent account of every simulated provider (the simulator's registry lists them,
//! and gives each its `--<provider>-subaccounts` flag), prints ONE line of JSON with the base
//! URL and each parent's credentials under its provider's name on stdout (so a test harness can
//! read it), then serves until SIGTERM or Ctrl-C. Logs go to stderr so stdout stays
//! machine-readable.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Arg, CommandFactory, FromArgMatches, Parser};
use serde_json::{Map, Value};
use subdesk_sim::{
    DeleteStyle, FaultKind, FaultPlan, Sim, SimConfig, SimProviderInfo, VobizConfig,
    VobizErrorShape,
};

#[derive(Debug, Parser)]
#[command(name = "subdesk-sim", version)]
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

/// The flag's name: `<provider>-subaccounts`. Leaked once per provider at start-up (clap keeps
/// `&'static str` names).
fn subaccounts_flag(p: &SimProviderInfo) -> &'static str {
    Box::leak(format!("{}-subaccounts", p.name).into_boxed_str())
}

/// The flags of [`Args`], plus `--<provider>-subaccounts` for every simulated provider, and a
/// description that names them all.
fn command(providers: &[SimProviderInfo]) -> clap::Command {
    let names: Vec<&str> = providers.iter().map(|p| p.name).collect();
    let about: &'static str = Box::leak(
        format!(
            "Sub-account API simulator on 127.0.0.1: {}. Seeds one parent account of each.",
            names.join(", ")
        )
        .into_boxed_str(),
    );
    providers
        .iter()
        .fold(Args::command().about(about), |cmd, p| {
            let help: &'static str = Box::leak(
                format!("Subaccounts to seed under the {} parent account", p.name).into_boxed_str(),
            );
            let default: &'static str =
                Box::leak(p.default_subaccounts.to_string().into_boxed_str());
            cmd.arg(
                Arg::new(subaccounts_flag(p))
                    .long(subaccounts_flag(p))
                    .value_name("N")
                    .value_parser(clap::value_parser!(usize))
                    .default_value(default)
                    .help(help),
            )
        })
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
    let providers = subdesk_sim::providers();
    let matches = command(&providers).get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
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
        vobiz: VobizConfig {
            delete_style: args.vobiz_delete_style,
            error_shape: args.vobiz_error_shape,
            ..VobizConfig::default()
        },
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
    let mut line = Map::new();
    line.insert("base_url".into(), Value::String(sim.base_url()));
    for p in &providers {
        let n = matches
            .get_one::<usize>(subaccounts_flag(p))
            .copied()
            .unwrap_or(p.default_subaccounts);
        let Some(credentials) = sim.seed_parent(p.name, n) else {
            tracing::error!("the simulator does not know {}", p.name);
            return ExitCode::FAILURE;
        };
        line.insert(p.name.into(), credentials);
    }
    let line = Value::Object(line);
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
