//! A minimal Tauri app, as the template makes one: a window showing a static page, no plugin, no
//! command. The UI benchmark measures its memory as the baseline for Subdesk's (issue 12 sets
//! the target against "a minimal Tauri app"). Built with Subdesk's Tauri and release profile.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the minimal app could not start");
}
