//! The inverse 2D wavelet of a PIZ block (14-bit or 16-bit arithmetic), in place on slices.

/// One step of the inverse wavelet: two words back from their average and difference.
#[inline(always)]
fn unmix<const FOURTEEN_BITS: bool>(low: u16, high: u16) -> (u16, u16) {
    if FOURTEEN_BITS {
        let (l, h) = (low as i16, high as i16);
        let a = l.wrapping_add(h & 1).wrapping_add(h >> 1);
        (a as u16, a.wrapping_sub(h) as u16)
    } else {
        let b = low.wrapping_sub(high >> 1);
        let a = high.wrapping_add(b).wrapping_add(0x8000);
        (a, b)
    }
}

/// Inverse wavelet of one channel in place: `width × height` samples of `LANES` words each
/// (the words of a sample are transformed independently).
pub(super) fn wavelet_decode<const LANES: usize, const FOURTEEN_BITS: bool>(
    words: &mut [u16],
    width: usize,
    height: usize,
) {
    let smaller = width.min(height);
    if smaller < 2 {
        return;
    }
    let row = width * LANES;
    // Largest power of two ≤ the smaller side.
    let mut p2 = 1usize << (usize::BITS - 1 - smaller.leading_zeros());
    let mut p = p2 >> 1;
    while p >= 1 {
        let group = p2 * LANES;
        let right = p * LANES;
        let mut y = 0usize;
        while y + p2 <= height {
            let (head, tail) = words.split_at_mut((y + p) * row);
            let (Some(top), Some(bottom)) =
                (head.get_mut(y * row..(y + 1) * row), tail.get_mut(..row))
            else {
                return;
            };
            if p == 1 {
                // The finest level (three quarters of the work), in two passes the compiler
                // vectorises: vertical pairs of every column (an odd last column gets only this
                // step, as it should), then horizontal pairs of both rows. Each 2×2 group is
                // independent of the others, so the order across groups does not matter.
                for (a, b) in top.iter_mut().zip(bottom.iter_mut()) {
                    (*a, *b) = unmix::<FOURTEEN_BITS>(*a, *b);
                }
                unmix_adjacent::<LANES, FOURTEEN_BITS>(top);
                unmix_adjacent::<LANES, FOURTEEN_BITS>(bottom);
                y += p2;
                continue;
            }
            let mut top_groups = top.chunks_exact_mut(group);
            let mut bottom_groups = bottom.chunks_exact_mut(group);
            for (a, b) in (&mut top_groups).zip(&mut bottom_groups) {
                for lane in 0..LANES {
                    let (c, t) = unmix::<FOURTEEN_BITS>(a[lane], b[lane]);
                    let (r, tr) = unmix::<FOURTEEN_BITS>(a[right + lane], b[right + lane]);
                    let (c, r) = unmix::<FOURTEEN_BITS>(c, r);
                    let (t, tr) = unmix::<FOURTEEN_BITS>(t, tr);
                    a[lane] = c;
                    a[right + lane] = r;
                    b[lane] = t;
                    b[right + lane] = tr;
                }
            }
            if width & p != 0 {
                let a = top_groups.into_remainder();
                let b = bottom_groups.into_remainder();
                for lane in 0..LANES.min(a.len()).min(b.len()) {
                    let (c, t) = unmix::<FOURTEEN_BITS>(a[lane], b[lane]);
                    a[lane] = c;
                    b[lane] = t;
                }
            }
            y += p2;
        }
        if height & p != 0
            && let Some(top) = words.get_mut(y * row..(y + 1) * row)
        {
            if p == 1 {
                unmix_adjacent::<LANES, FOURTEEN_BITS>(top);
                break;
            }
            for a in top.chunks_exact_mut(group) {
                for lane in 0..LANES {
                    let (c, r) = unmix::<FOURTEEN_BITS>(a[lane], a[right + lane]);
                    a[lane] = c;
                    a[right + lane] = r;
                }
            }
        }
        p2 = p;
        p >>= 1;
    }
}

/// The horizontal step of the finest wavelet level on one row: samples `2k` and `2k + 1`
/// (a trailing odd sample is left alone).
fn unmix_adjacent<const LANES: usize, const FOURTEEN_BITS: bool>(row: &mut [u16]) {
    if LANES == 1 {
        let (pairs, _) = row.as_chunks_mut::<2>();
        for pair in pairs {
            let (c, r) = unmix::<FOURTEEN_BITS>(pair[0], pair[1]);
            *pair = [c, r];
        }
    } else {
        let (pairs, _) = row.as_chunks_mut::<4>();
        for pair in pairs {
            let (c0, r0) = unmix::<FOURTEEN_BITS>(pair[0], pair[2]);
            let (c1, r1) = unmix::<FOURTEEN_BITS>(pair[1], pair[3]);
            *pair = [c0, c1, r0, r1];
        }
    }
}
