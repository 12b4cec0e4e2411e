//! WebKitGTK's accelerated compositing, on or off.
//!
//! On a machine without a GPU (a virtual machine, a remote desktop, Xvfb) Mesa renders OpenGL in
//! software, and WebKit's accelerated compositing then costs about 100 ms a frame and 120 MiB;
//! with it off the same table paints in 16-19 ms. So it is turned off when no GPU render node
//! exists, and kept where one does. `SUBDESK_COMPOSITING=on|off` forces either way, and a
//! `WEBKIT_DISABLE_COMPOSITING_MODE` the user set is left as it is.

/// What start-up decided, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositing {
    /// Left to WebKit (a GPU is present, or the user forced it on).
    On { forced: bool },
    /// Turned off (software rendering, or the user forced it off).
    Off { forced: bool },
    /// The user set `WEBKIT_DISABLE_COMPOSITING_MODE` themselves.
    UserSet,
}

/// The decision from the environment and whether a GPU render node exists.
pub fn decide(env: impl Fn(&str) -> Option<String>, has_render_node: bool) -> Compositing {
    if env("WEBKIT_DISABLE_COMPOSITING_MODE").is_some() {
        return Compositing::UserSet;
    }
    match env("SUBDESK_COMPOSITING").as_deref().map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("on") => Compositing::On { forced: true },
        Some(v) if v.eq_ignore_ascii_case("off") => Compositing::Off { forced: true },
        // Mesa's own switch for software rendering.
        _ if env("LIBGL_ALWAYS_SOFTWARE").is_some_and(|v| v != "0") => {
            Compositing::Off { forced: false }
        }
        _ if has_render_node => Compositing::On { forced: false },
        _ => Compositing::Off { forced: false },
    }
}

/// Whether the kernel offers a GPU render node (`/dev/dri/renderD*`).
fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

static DECIDED: std::sync::OnceLock<Compositing> = std::sync::OnceLock::new();

/// Decides and applies, before any window (and any thread that could read the environment)
/// exists. Only Linux uses WebKitGTK.
pub fn configure() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let decision = decide(|k| std::env::var(k).ok(), has_render_node());
    if let Compositing::Off { .. } = decision {
        // Single-threaded here: nothing else reads the environment yet.
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    let _ = DECIDED.set(decision);
}

/// What [`configure`] decided, as a line for the log (the logger starts after it).
pub fn described() -> Option<String> {
    let (state, why) = match DECIDED.get()? {
        Compositing::On { forced: true } => ("on", "SUBDESK_COMPOSITING=on"),
        Compositing::On { forced: false } => ("on", "a GPU is present"),
        Compositing::Off { forced: true } => ("off", "SUBDESK_COMPOSITING=off"),
        Compositing::Off { forced: false } => ("off", "software rendering: no GPU render node"),
        Compositing::UserSet => ("as set", "WEBKIT_DISABLE_COMPOSITING_MODE was set"),
    };
    Some(format!("WebKit compositing={state} ({why})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn software_rendering_turns_compositing_off_and_a_gpu_keeps_it() {
        assert_eq!(decide(env(&[]), false), Compositing::Off { forced: false });
        assert_eq!(decide(env(&[]), true), Compositing::On { forced: false });
        assert_eq!(
            decide(env(&[("LIBGL_ALWAYS_SOFTWARE", "1")]), true),
            Compositing::Off { forced: false }
        );
        assert_eq!(
            decide(env(&[("LIBGL_ALWAYS_SOFTWARE", "0")]), true),
            Compositing::On { forced: false }
        );
    }

    #[test]
    fn the_user_can_force_either_way_and_their_own_webkit_setting_wins() {
        assert_eq!(
            decide(env(&[("SUBDESK_COMPOSITING", "on")]), false),
            Compositing::On { forced: true }
        );
        assert_eq!(
            decide(env(&[("SUBDESK_COMPOSITING", "OFF")]), true),
            Compositing::Off { forced: true }
        );
        assert_eq!(
            decide(
                env(&[
                    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
                    ("SUBDESK_COMPOSITING", "on")
                ]),
                true
            ),
            Compositing::UserSet
        );
    }
}
