//! Keeping the allocator's footprint close to what the app holds.
//!
//! A 10,000-row listing passes some megabytes of provider JSON, parsed pages and IPC messages
//! through the allocator on several worker threads. glibc gives each thread that allocates an
//! arena of its own (up to eight per core) and keeps what is freed there for re-use; the rows the
//! app keeps (the listing cache) end up scattered over three or four of them, each mostly holes.
//! The app is not allocation-bound (its work is waiting on providers), so two arenas are plenty,
//! and after a listing `malloc_trim` hands the free pages back.

/// Caps glibc's arenas at two. Call before any other thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Returns the allocator's free memory to the system (glibc on Linux; elsewhere nothing to do).
/// Runs off the async workers: it walks every arena, a few milliseconds.
pub async fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only releases memory the allocator holds free; it takes no pointer.
        let _ = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
    }
}
