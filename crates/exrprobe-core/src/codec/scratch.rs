//! Memory a decoder keeps per thread from one block to the next.
//!
//! Every decoder of ours needs a block-sized buffer or two (ZIP's inflated bytes, PIZ's words,
//! B44's unpacked halves…). Allocating them for each block would cost fresh pages, and so page
//! faults and zeroing, on every block of a 4K render; so each decoder keeps its buffers in a
//! thread-local that [`with_scratch`] lends out, and releases them after a block that made them
//! larger than [`MAX_RETAINED_BYTES`] (one huge tile must not stay resident on every thread).

use std::cell::RefCell;
use std::thread::LocalKey;

/// Scratch memory past this size is released after the block instead of kept for the next.
pub(crate) const MAX_RETAINED_BYTES: usize = 64 << 20;

/// Buffers a decoder reuses from block to block on one thread.
pub(crate) trait Reusable: Default {
    /// Releases what the last block made too large to keep ([`release_if_large`]).
    fn trim(&mut self);
}

impl Reusable for Vec<u8> {
    fn trim(&mut self) {
        release_if_large(self);
    }
}

/// Replaces `buffer` by an empty one when it holds more than [`MAX_RETAINED_BYTES`].
pub(crate) fn release_if_large<T>(buffer: &mut Vec<T>) {
    if buffer.capacity().saturating_mul(size_of::<T>()) > MAX_RETAINED_BYTES {
        *buffer = Vec::new();
    }
}

/// Runs `work` with this thread's scratch of `key`, trimmed afterwards. Nothing here re-enters,
/// so the scratch is never in use already; if it were, `work` gets a fresh one rather than a
/// panic.
pub(crate) fn with_scratch<S: Reusable, R>(
    key: &'static LocalKey<RefCell<S>>,
    work: impl FnOnce(&mut S) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = work(&mut scratch);
            scratch.trim();
            result
        }
        Err(_) => work(&mut S::default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }

    #[test]
    fn scratch_is_kept_between_uses_unless_it_grew_too_large() {
        with_scratch(&BUFFER, |b| b.resize(1000, 7));
        assert_eq!(with_scratch(&BUFFER, |b| b.len()), 1000);
        with_scratch(&BUFFER, |b| b.resize(MAX_RETAINED_BYTES + 1, 0));
        assert_eq!(with_scratch(&BUFFER, |b| b.capacity()), 0);
        // In use already (re-entered): a fresh one, no panic.
        let inner = with_scratch(&BUFFER, |b| {
            b.push(1);
            with_scratch(&BUFFER, |fresh| fresh.len())
        });
        assert_eq!(inner, 0);
    }
}
