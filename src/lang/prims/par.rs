//! Data parallelism for the large-vector kernels (qSQL's grouped aggregation and where
//! masks, gathers): how many threads to use, as q's `-s` sets its secondary threads, and
//! running one closure per stretch of rows on scoped threads.
//!
//! Work is split only for inputs of at least [`MIN_ROWS`] items: below that the cost of
//! starting threads outweighs the gain, and results stay exactly those of one sequential
//! pass.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Inputs shorter than this run on the calling thread alone.
pub const MIN_ROWS: usize = 1_000_000;

/// The `-s` setting plus one; 0 while unset (then the machine's cores are used).
static SETTING: AtomicUsize = AtomicUsize::new(0);

/// Threads a large kernel may use: q's `-s N` (N secondary threads; 0 means the main
/// thread alone), or, when not set, the cores the process may run on.
pub fn threads() -> usize {
    match SETTING.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        s => (s - 1).max(1),
    }
}

/// The value `\s` shows: the `-s` setting, or the cores used when it is not set.
pub fn secondary() -> usize {
    match SETTING.load(Ordering::Relaxed) {
        0 => threads(),
        s => s - 1,
    }
}

/// Set the number of secondary threads (`-s N`, `\s N`).
pub fn set_threads(n: usize) {
    SETTING.store(n.saturating_add(1), Ordering::Relaxed);
}

/// `0..n` split into one stretch per thread (a single stretch for small `n`).
pub fn split(n: usize) -> Vec<Range<usize>> {
    let t = threads();
    if n < MIN_ROWS || t <= 1 {
        return std::iter::once(0..n).collect();
    }
    let step = n.div_ceil(t);
    (0..t)
        .map(|i| (i * step).min(n)..((i + 1) * step).min(n))
        .filter(|r| !r.is_empty())
        .collect()
}

/// `f` over each stretch, the stretches after the first on scoped threads; results in
/// stretch order.
pub fn map<T: Send>(parts: &[Range<usize>], f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    match parts {
        [] => Vec::new(),
        [one] => vec![f(one.clone())],
        [first, rest @ ..] => std::thread::scope(|s| {
            let f = &f;
            let handles: Vec<_> = rest
                .iter()
                .map(|r| {
                    let r = r.clone();
                    s.spawn(move || f(r))
                })
                .collect();
            let mut out = Vec::with_capacity(parts.len());
            out.push(f(first.clone()));
            for h in handles {
                // A panic in a worker is a bug in a kernel; pass it on to the caller.
                match h.join() {
                    Ok(v) => out.push(v),
                    Err(p) => std::panic::resume_unwind(p),
                }
            }
            out
        }),
    }
}

/// Items per stretch that [`morsels`] hands out.
const MORSEL: usize = 1 << 16;

/// `f` over stretches of about [`MORSEL`] items of `0..n`, handed to the threads as each
/// becomes free, so a thread slowed by other work on the machine takes fewer; results in
/// stretch order (the same whatever thread ran which stretch). Small inputs are one
/// stretch on the calling thread.
pub fn morsels<T: Send>(n: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    morsels_from(MIN_ROWS, n, f)
}

/// [`morsels`] with its own threshold: inputs below `min` items are one stretch.
pub fn morsels_from<T: Send>(min: usize, n: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let t = threads();
    if n < min.max(2 * MORSEL) || t <= 1 {
        return vec![f(0..n)];
    }
    let parts: Vec<Range<usize>> = (0..n.div_ceil(MORSEL))
        .map(|i| i * MORSEL..((i + 1) * MORSEL).min(n))
        .collect();
    map_dyn(&parts, f)
}

/// `f` over the given stretches, each handed to the next free thread; results in stretch
/// order. One stretch, or one thread, runs on the calling thread.
pub fn map_dyn<T: Send>(parts: &[Range<usize>], f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let t = threads().min(parts.len());
    if t <= 1 {
        return parts.iter().map(|r| f(r.clone())).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(r) = parts.get(i) else { break };
            out.push((i, f(r.clone())));
        }
        out
    };
    let mut all = std::thread::scope(|s| {
        let work = &work;
        let handles: Vec<_> = (1..t).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in handles {
            match h.join() {
                Ok(v) => all.extend(v),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        all
    });
    all.sort_unstable_by_key(|x| x.0);
    all.into_iter().map(|x| x.1).collect()
}

/// `0..n` in `m` stretches of near-equal length (at least one).
pub fn pieces(n: usize, m: usize) -> Vec<Range<usize>> {
    let m = m.max(1);
    let step = n.div_ceil(m).max(1);
    let mut out: Vec<Range<usize>> = (0..m)
        .map(|i| (i * step).min(n)..((i + 1) * step).min(n))
        .filter(|r| !r.is_empty())
        .collect();
    if out.is_empty() {
        out.push(0..n);
    }
    out
}

/// Vectors laid end to end.
fn concat<T: Copy>(parts: Vec<Vec<T>>) -> Vec<T> {
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap_or_default();
    }
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for p in parts {
        out.extend_from_slice(&p);
    }
    out
}

/// Items below which [`concat_parts`] copies on the calling thread alone.
const CONCAT_MIN: usize = 1 << 18;

/// Vectors laid end to end, the copying shared among the threads when there is much of it
/// (each thread fills its own stretch of the result).
pub fn concat_parts<T: Copy + Default + Send + Sync>(parts: Vec<Vec<T>>) -> Vec<T> {
    let total: usize = parts.iter().map(Vec::len).sum();
    let t = threads();
    if total < CONCAT_MIN || t <= 1 || parts.len() < 2 {
        return concat(parts);
    }
    let mut out = vec![T::default(); total];
    // Whole parts per thread, about `total / t` items each, in order.
    let per = total.div_ceil(t);
    let mut groups: Vec<Vec<(&[T], &mut [T])>> = vec![Vec::new()];
    let mut filled = 0;
    let mut rest = out.as_mut_slice();
    for p in &parts {
        // The parts' lengths sum to `rest`'s, so each finds its place.
        let Some((dst, r)) = std::mem::take(&mut rest).split_at_mut_checked(p.len()) else {
            break;
        };
        rest = r;
        if filled >= per {
            groups.push(Vec::new());
            filled = 0;
        }
        filled += p.len();
        if let Some(g) = groups.last_mut() {
            g.push((p.as_slice(), dst));
        }
    }
    let copy = |g: Vec<(&[T], &mut [T])>| {
        for (src, dst) in g {
            dst.copy_from_slice(src);
        }
    };
    let mut groups = groups.into_iter();
    let first = groups.next();
    std::thread::scope(|s| {
        let copy = &copy;
        for g in groups {
            s.spawn(move || copy(g));
        }
        if let Some(g) = first {
            copy(g);
        }
    });
    out
}

/// `src` at each index, an index outside `src` giving `null`. Gathers of more than two
/// stretches run in parallel: each item is a likely cache miss, so they gain sooner than
/// streaming kernels.
pub fn gather_into<T: Copy + Send + Sync>(src: &[T], idx: &[i64], null: T) -> Vec<T> {
    concat(morsels_from(0, idx.len(), |r| {
        idx[r]
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| src.get(i))
                    .copied()
                    .unwrap_or(null)
            })
            .collect()
    }))
}

/// `f` of every item, large vectors in parallel (an elementwise kernel).
pub fn map_items<T: Copy + Sync, U: Copy + Send>(src: &[T], f: impl Fn(T) -> U + Sync) -> Vec<U> {
    concat(morsels(src.len(), |r| {
        src[r].iter().map(|&x| f(x)).collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_and_gather_matches() {
        let n = MIN_ROWS + 7;
        let parts = split(n);
        assert_eq!(parts.first().map(|r| r.start), Some(0));
        assert_eq!(parts.last().map(|r| r.end), Some(n));
        assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(split(10), vec![0..10]);
        let sums = map(&parts, |r| r.len());
        assert_eq!(sums.iter().sum::<usize>(), n);
        let starts = morsels(n, |r| r.start);
        assert!(starts.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(starts.first(), Some(&0));
        let src: Vec<i64> = (0..100).collect();
        let idx: Vec<i64> = (0..n as i64).map(|i| (i * 7) % 103 - 1).collect();
        let got = gather_into(&src, &idx, -5);
        let want: Vec<i64> = idx
            .iter()
            .map(|&i| if (0..100).contains(&i) { i } else { -5 })
            .collect();
        assert_eq!(got, want);
        let big: Vec<i32> = (0..n as i32).collect();
        let doubled = map_items(&big, |x| x as i64 * 2);
        assert!(doubled.iter().enumerate().all(|(i, &x)| x == 2 * i as i64));
        let parts: Vec<Vec<i64>> = (0..40i64)
            .map(|p| (0..(p * 977) % 20011).map(|i| p * 100_000 + i).collect())
            .collect();
        let want: Vec<i64> = parts.iter().flatten().copied().collect();
        assert!(want.len() >= CONCAT_MIN);
        assert_eq!(concat_parts(parts), want);
        assert_eq!(
            concat_parts(vec![vec![1, 2], Vec::new(), vec![3]]),
            vec![1, 2, 3]
        );
        assert_eq!(concat_parts::<i32>(Vec::new()), Vec::<i32>::new());
    }
}
