//! Process-wide memory settings, applied once at start.
//!
//! glibc's malloc gives threads their own arenas, up to eight per core, and memory freed in one
//! arena is kept there for that arena's next use. The server's blocking pool, Argon2 and
//! checkpoint threads each came to hold an arena, and in the issue-7 benchmark the server's
//! peak RSS on SQLite was 99 MiB with the default against 82 MiB with `MALLOC_ARENA_MAX=2`
//! (same suite, docs/benchmarks.md). Setting the environment variable is up to whoever starts
//! the binary, so the server sets the limit itself; an operator's `MALLOC_ARENA_MAX` still wins.

/// Arenas allowed when the operator set none: one per core, at least two, so that threads on
/// different cores rarely wait for each other's arena lock.
fn default_arena_limit() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// Limits glibc's malloc arenas (see the module docs), unless `MALLOC_ARENA_MAX` is set.
/// Returns the limit applied, if any. Call it first in `main`, before threads start.
pub fn limit_malloc_arenas() -> Option<usize> {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return None;
    }
    let limit = default_arena_limit();
    set_arena_max(limit).then_some(limit)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[expect(
    unsafe_code,
    reason = "mallopt is glibc's only interface for this limit and no well-kept crate wraps it; it takes \
              two integers and touches no Rust memory, and it is called once at start"
)]
fn set_arena_max(limit: usize) -> bool {
    let value = libc::c_int::try_from(limit).unwrap_or(libc::c_int::MAX);
    // SAFETY: mallopt(M_ARENA_MAX, n) only stores n in malloc's parameters; `main` calls this
    // before it starts any thread, so no allocation runs beside it.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, value) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_arena_max(_limit: usize) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_is_one_arena_per_core_and_at_least_two() {
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(default_arena_limit(), cores.max(2));
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn glibc_accepts_the_limit() {
        assert!(set_arena_max(default_arena_limit()));
    }
}
