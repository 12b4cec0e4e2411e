// Hides the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    subdesk_lib::no_core_dumps();
    subdesk_lib::run();
}
