//! Process memory settings.
//!
//! glibc's allocator returns every block above its mmap threshold (32 MiB at most) to the
//! kernel when it is freed, so a query that builds a few column-sized vectors (group ids, a
//! converted column, a gathered result) pays for fresh zeroed pages on every run: on 10M-row
//! group-bys that kernel time was as large as the query's own. q keeps freed memory for
//! reuse instead; raising the mmap and trim thresholds gives the same behaviour.

/// Keep freed memory in the process for reuse (call once at start-up).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_TRIM_THRESHOLD: i32 = -1;
    const M_MMAP_THRESHOLD: i32 = -3;
    // SAFETY: mallopt only changes glibc malloc's tuning parameters; it takes plain ints
    // and is safe to call at any time (a rejected value leaves the default in place).
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 1 << 30);
        mallopt(M_TRIM_THRESHOLD, 1 << 29);
    }
}

/// Other platforms keep their allocator's defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
