//! The app turns core dumps off before anything reads a token (its own test process, so the
//! change stays here).

#[cfg(target_os = "linux")]
#[test]
fn after_start_up_no_core_file_can_be_written() {
    subdesk_lib::no_core_dumps();
    let mut limit = libc::rlimit {
        rlim_cur: 1,
        rlim_max: 1,
    };
    // SAFETY: reads into a local struct.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) }, 0);
    assert_eq!((limit.rlim_cur, limit.rlim_max), (0, 0));
    // SAFETY: no arguments beyond the option.
    assert_eq!(unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) }, 0);
}
