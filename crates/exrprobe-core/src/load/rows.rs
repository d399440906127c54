//! Summarising decoded rows for reports ([`super::summarize_file`]) while they are in cache.

use std::cell::RefCell;

use half::f16;

use crate::model::SampleType;
use crate::stats::{HalfCounter, RowsSummary};

/// Summarises rows of little-endian samples as the decoder hands them over
/// ([`super::summarize_file`]). Kept per thread: its half counter is large, and its pages are
/// then touched only once.
#[derive(Default)]
pub(super) struct RowSummarizer {
    halves: Vec<f16>,
    floats: Vec<f32>,
    uints: Vec<u32>,
    half_counter: HalfCounter,
}

impl RowSummarizer {
    /// The summary of one row. The decoders' rows are usually aligned for their sample type and
    /// then read in place (on little-endian machines); otherwise they are copied first.
    pub(super) fn summarize(&mut self, sample_type: SampleType, bytes: &[u8]) -> RowsSummary {
        match sample_type {
            SampleType::Half => {
                let values = in_place::<f16>(bytes).unwrap_or_else(|| {
                    copy_samples(&mut self.halves, bytes, |b| {
                        f16::from_bits(u16::from_le_bytes(b))
                    })
                });
                RowsSummary::of_f16(values, &mut self.half_counter)
            }
            SampleType::Float => RowsSummary::of_f32(
                in_place::<f32>(bytes)
                    .unwrap_or_else(|| copy_samples(&mut self.floats, bytes, f32::from_le_bytes)),
            ),
            SampleType::Uint => RowsSummary::of_u32(
                in_place::<u32>(bytes)
                    .unwrap_or_else(|| copy_samples(&mut self.uints, bytes, u32::from_le_bytes)),
            ),
        }
    }
}

/// Little-endian sample bytes as samples, without a copy, when they are aligned (and the
/// machine is little-endian).
fn in_place<T: bytemuck::AnyBitPattern>(bytes: &[u8]) -> Option<&[T]> {
    if cfg!(target_endian = "little") {
        bytemuck::try_cast_slice(bytes).ok()
    } else {
        None
    }
}

/// Little-endian sample bytes converted into `buffer`.
fn copy_samples<'a, T, const N: usize>(
    buffer: &'a mut Vec<T>,
    bytes: &[u8],
    convert: impl Fn([u8; N]) -> T,
) -> &'a [T] {
    buffer.clear();
    buffer.extend(bytes.as_chunks::<N>().0.iter().map(|b| convert(*b)));
    buffer
}

thread_local! {
    pub(super) static ROW_SUMMARIZER: RefCell<RowSummarizer> = RefCell::new(RowSummarizer::default());
}
