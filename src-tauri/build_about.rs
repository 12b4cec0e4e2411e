// Build-time facts for the About panel, written to $OUT_DIR: the commit and date of the build,
// and the licences of what the binary bundles (crates from `cargo metadata`, npm packages from
// ui/package-lock.json). Offline: nothing is fetched.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

pub fn write(out_dir: &Path, manifest_dir: &Path) {
    let root = manifest_dir.parent().expect("src-tauri has a parent");
    let commit =
        git(root, &["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=SUBDESK_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=SUBDESK_BUILD_DATE={}", build_date());
    // Rerun when HEAD moves (a commit, a checkout), not on every build. Only files that exist:
    // cargo reruns on every build for a missing one (a packed ref, a tarball without .git).
    let mut watched = vec![git(root, &["rev-parse", "--git-path", "HEAD"])];
    if let Some(head_ref) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(root, &["rev-parse", "--git-path", &head_ref]));
    }
    for p in watched.into_iter().flatten().map(|p| root.join(p)) {
        if p.is_file() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }

    let lock = root.join("Cargo.lock");
    let npm_lock = root.join("ui/package-lock.json");
    println!("cargo:rerun-if-changed={}", lock.display());
    println!("cargo:rerun-if-changed={}", npm_lock.display());
    let mut licences = crate_licences(manifest_dir);
    licences.extend(npm_licences(&npm_lock));
    std::fs::write(
        out_dir.join("licences.json"),
        Value::Array(licences).to_string(),
    )
    .expect("write licences.json");
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The build's day (UTC), or SOURCE_DATE_EPOCH's for reproducible builds.
fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Every registry crate the app links for this target (normal dependencies only, not build or
/// dev ones), with its declared licence.
fn crate_licences(manifest_dir: &Path) -> Vec<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = std::env::var("TARGET").unwrap_or_default();
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            &target,
        ])
        .arg("--manifest-path")
        .arg(manifest_dir.join("Cargo.toml"))
        .output();
    let meta: Value = match out {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap_or(Value::Null),
        Ok(o) => {
            println!(
                "cargo:warning=cargo metadata failed; the About panel lists no crates: {}",
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .next()
                    .unwrap_or("")
            );
            return Vec::new();
        }
        Err(e) => {
            println!(
                "cargo:warning=cargo metadata did not run ({e}); the About panel lists no crates"
            );
            return Vec::new();
        }
    };
    let packages: BTreeMap<&str, &Value> = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let Some(start) = packages
        .values()
        .find(|p| p["name"] == "subdesk")
        .and_then(|p| p["id"].as_str())
    else {
        return Vec::new();
    };
    let mut seen = BTreeSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(id) = queue.pop_front() {
        for dep in nodes
            .get(id)
            .and_then(|n| n["deps"].as_array())
            .into_iter()
            .flatten()
        {
            let normal = dep["dep_kinds"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()));
            if let (true, Some(pkg)) = (normal, dep["pkg"].as_str()) {
                if seen.insert(pkg) {
                    queue.push_back(pkg);
                }
            }
        }
    }
    let mut list: Vec<Value> = seen
        .into_iter()
        .filter_map(|id| packages.get(id))
        // Our own workspace crates (path dependencies) are the app itself.
        .filter(|p| !p["source"].is_null())
        .map(|p| {
            json!({
                "name": p["name"],
                "version": p["version"],
                "license": p["license"].as_str().unwrap_or("see the crate's licence file"),
                "ecosystem": "crate",
            })
        })
        .collect();
    list.sort_by_key(|v| {
        (
            v["name"].as_str().unwrap_or("").to_string(),
            v["version"].as_str().unwrap_or("").to_string(),
        )
    });
    list
}

/// The npm packages in the web UI's bundle: ui's runtime dependencies, and Svelte, whose
/// runtime the compiler puts in the bundle although it is a build-time dependency.
fn npm_licences(lock: &Path) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(lock) else {
        return Vec::new();
    };
    let Ok(lock): Result<Value, _> = serde_json::from_str(&text) else {
        return Vec::new();
    };
    let mut list = Vec::new();
    for (path, p) in lock["packages"].as_object().into_iter().flatten() {
        let Some(name) = path.strip_prefix("node_modules/") else {
            continue;
        };
        let runtime = p["dev"] != true && p["devOptional"] != true;
        if runtime || name == "svelte" {
            list.push(json!({
                "name": name,
                "version": p["version"],
                "license": p["license"].as_str().unwrap_or("see the package's licence file"),
                "ecosystem": "npm",
            }));
        }
    }
    list
}
