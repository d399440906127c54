//! Files written by the exr crate with every compression it can write, scan lines and tiles,
//! half/float/uint, odd sizes and a non-zero data-window origin: our loader must return exactly
//! what was written (lossless methods) and exactly what the exr crate's own reader returns (all
//! methods, including lossy ones).

mod support;

use std::io::Cursor;
use std::sync::atomic::AtomicBool;

use exr::math::RoundingMode;
use exr::prelude::{
    AnyChannel, AnyChannels, Blocks, Compression, Encoding, FlatSamples, Image as ExrImage, Layer,
    LayerAttributes, Levels, LineOrder, ReadChannels, ReadLayers, SampleType as ExrType, SmallVec,
    Vec2, f16,
};
use exrprobe_core::load::{LoadOptions, load_bytes};
use exrprobe_core::model::{Image, Storage, Window};
use support::{all_compressions, exr_bytes, flat_bits, sample_bits};

const WIDTH: usize = 37;
const HEIGHT: usize = 23;
const ORIGIN: (i32, i32) = (-5, 7);

/// Deterministic pseudo-random bits (a 64-bit LCG).
fn bits(seed: u64, count: usize) -> Vec<u64> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 16
        })
        .collect()
}

fn input_channels(count: usize) -> Vec<(&'static str, FlatSamples)> {
    // Every half/float bit pattern is allowed, NaNs and infinities included.
    let halves = bits(1, count)
        .into_iter()
        .map(|b| f16::from_bits(b as u16))
        .collect();
    let floats = bits(2, count)
        .into_iter()
        .map(|b| f32::from_bits(b as u32))
        .collect();
    let uints = bits(3, count).into_iter().map(|b| b as u32).collect();
    vec![
        ("F", FlatSamples::F32(floats)),
        ("H", FlatSamples::F16(halves)),
        ("U", FlatSamples::U32(uints)),
    ]
}

fn write(layer_channels: AnyChannels<Levels<FlatSamples>>, encoding: Encoding) -> Vec<u8> {
    let attributes = LayerAttributes {
        layer_position: Vec2(ORIGIN.0, ORIGIN.1),
        ..LayerAttributes::named("roundtrip")
    };
    let layer = Layer::new((WIDTH, HEIGHT), attributes, encoding, layer_channels);
    exr_bytes(&ExrImage::from_layer(layer))
}

fn load(bytes: &[u8]) -> Image {
    let options = LoadOptions {
        memory_budget_bytes: 1 << 30,
        decode_pixels: true,
        ..LoadOptions::default()
    };
    let cancel = AtomicBool::new(false);
    load_bytes(bytes, "roundtrip", &options, &mut |_| {}, &cancel).unwrap_or_else(|e| panic!("{e}"))
}

/// Raw bits of flat samples, for exact comparison (NaN payloads included).
/// The exr crate's own decoding of the largest level, by channel name.
fn reference(bytes: &[u8]) -> Vec<(String, Vec<u32>)> {
    let image = exr::prelude::read()
        .no_deep_data()
        .largest_resolution_level()
        .all_channels()
        .all_layers()
        .all_attributes()
        .from_buffered(Cursor::new(bytes))
        .unwrap_or_else(|e| panic!("the exr crate cannot read its own file: {e}"));
    image
        .layer_data
        .iter()
        .flat_map(|layer| layer.channel_data.list.iter())
        .map(|channel| (channel.name.to_string(), flat_bits(&channel.sample_data)))
        .collect()
}

fn check(bytes: &[u8], compression: Compression, label: &str) {
    let count = WIDTH * HEIGHT;
    let input = input_channels(count);
    let image = load(bytes);
    assert_eq!(image.parts.len(), 1, "{label}");
    let part = &image.parts[0];
    assert_eq!(
        part.data_window,
        Window {
            x: ORIGIN.0,
            y: ORIGIN.1,
            width: WIDTH,
            height: HEIGHT
        },
        "{label}"
    );
    assert_eq!(part.pixel_error, None, "{label}");
    let reference = reference(bytes);
    assert_eq!(reference.len(), 3, "{label}");
    for ((name, written), ((reference_name, reference_bits), channel)) in
        input.iter().zip(reference.iter().zip(&part.channels))
    {
        assert_eq!(channel.name, *name, "{label}");
        assert_eq!(reference_name, name, "{label}");
        assert_eq!((channel.width, channel.height), (WIDTH, HEIGHT), "{label}");
        let ours = sample_bits(
            channel
                .samples
                .as_ref()
                .unwrap_or_else(|| panic!("{label}")),
        );
        assert_eq!(
            &ours, reference_bits,
            "{label} {name}: differs from the exr crate's reader"
        );
        let sample_type = match written {
            FlatSamples::F16(_) => ExrType::F16,
            FlatSamples::F32(_) => ExrType::F32,
            FlatSamples::U32(_) => ExrType::U32,
        };
        if compression.is_lossless_for(sample_type) {
            assert_eq!(
                ours,
                flat_bits(written),
                "{label} {name}: not what was written"
            );
        }
    }
}

fn singular_channels() -> AnyChannels<Levels<FlatSamples>> {
    let list: SmallVec<[AnyChannel<Levels<FlatSamples>>; 4]> = input_channels(WIDTH * HEIGHT)
        .into_iter()
        .map(|(name, samples)| AnyChannel::new(name, Levels::Singular(samples)))
        .collect();
    AnyChannels::sort(list)
}

#[test]
fn scan_line_files_round_trip_with_every_compression() {
    for compression in all_compressions() {
        for line_order in [LineOrder::Increasing, LineOrder::Decreasing] {
            let encoding = Encoding {
                compression,
                blocks: Blocks::ScanLines,
                line_order,
            };
            let bytes = write(singular_channels(), encoding);
            check(
                &bytes,
                compression,
                &format!("scan lines {compression:?} {line_order:?}"),
            );
        }
    }
}

#[test]
fn tiled_files_round_trip_with_every_compression() {
    for compression in all_compressions() {
        let encoding = Encoding {
            compression,
            blocks: Blocks::Tiles(Vec2(16, 8)),
            line_order: LineOrder::Increasing,
        };
        let bytes = write(singular_channels(), encoding);
        let label = format!("tiles {compression:?}");
        check(&bytes, compression, &label);
        let image = load(&bytes);
        assert_eq!(
            image.parts[0].storage,
            Storage::Tiles {
                tile_width: 16,
                tile_height: 8,
                levels: "singular".into()
            },
            "{label}"
        );
    }
}

#[test]
fn mip_mapped_file_decodes_its_largest_level() {
    let rounding_mode = RoundingMode::Down;
    let level_sizes: Vec<Vec2<usize>> =
        exr::meta::mip_map_levels(rounding_mode, Vec2(WIDTH, HEIGHT))
            .map(|(_, size)| size)
            .collect();
    assert!(level_sizes.len() > 3);
    let list: SmallVec<[AnyChannel<Levels<FlatSamples>>; 4]> = input_channels(WIDTH * HEIGHT)
        .into_iter()
        .map(|(name, largest)| {
            // Smaller levels hold other values, so reading the wrong level would show.
            let level_data = level_sizes
                .iter()
                .enumerate()
                .map(|(index, size)| match (&largest, index) {
                    (_, 0) => largest.clone(),
                    (FlatSamples::F16(_), _) => {
                        FlatSamples::F16(vec![f16::from_f32(index as f32); size.area()])
                    }
                    (FlatSamples::F32(_), _) => FlatSamples::F32(vec![index as f32; size.area()]),
                    (FlatSamples::U32(_), _) => FlatSamples::U32(vec![index as u32; size.area()]),
                })
                .collect();
            AnyChannel::new(
                name,
                Levels::Mip {
                    rounding_mode,
                    level_data,
                },
            )
        })
        .collect();
    let encoding = Encoding {
        compression: Compression::ZIP16,
        blocks: Blocks::Tiles(Vec2(8, 8)),
        line_order: LineOrder::Increasing,
    };
    let bytes = write(AnyChannels::sort(list), encoding);
    check(&bytes, Compression::ZIP16, "mip map");
    let image = load(&bytes);
    assert_eq!(
        image.parts[0].storage,
        Storage::Tiles {
            tile_width: 8,
            tile_height: 8,
            levels: "mipmap".into()
        }
    );
}

#[test]
fn rip_mapped_file_decodes_its_largest_level() {
    let rounding_mode = RoundingMode::Up;
    let levels: Vec<(Vec2<usize>, Vec2<usize>)> =
        exr::meta::rip_map_levels(rounding_mode, Vec2(WIDTH, HEIGHT)).collect();
    let level_count = levels.iter().fold(Vec2(0, 0), |n, (index, _)| {
        Vec2(n.0.max(index.0 + 1), n.1.max(index.1 + 1))
    });
    assert!(level_count.0 > 3 && level_count.1 > 3);
    let list: SmallVec<[AnyChannel<Levels<FlatSamples>>; 4]> = input_channels(WIDTH * HEIGHT)
        .into_iter()
        .map(|(name, largest)| {
            // Smaller levels hold other values, so reading the wrong level would show.
            let map_data = levels
                .iter()
                .map(|(index, size)| match (&largest, index.0 + index.1) {
                    (_, 0) => largest.clone(),
                    (FlatSamples::F16(_), n) => {
                        FlatSamples::F16(vec![f16::from_f32(n as f32); size.area()])
                    }
                    (FlatSamples::F32(_), n) => FlatSamples::F32(vec![n as f32; size.area()]),
                    (FlatSamples::U32(_), n) => FlatSamples::U32(vec![n as u32; size.area()]),
                })
                .collect();
            AnyChannel::new(
                name,
                Levels::Rip {
                    rounding_mode,
                    level_data: exr::image::RipMaps {
                        map_data,
                        level_count,
                    },
                },
            )
        })
        .collect();
    let encoding = Encoding {
        compression: Compression::PIZ,
        blocks: Blocks::Tiles(Vec2(8, 16)),
        line_order: LineOrder::Increasing,
    };
    let bytes = write(AnyChannels::sort(list), encoding);
    check(&bytes, Compression::PIZ, "rip map");
    let image = load(&bytes);
    assert_eq!(
        image.parts[0].storage,
        Storage::Tiles {
            tile_width: 8,
            tile_height: 16,
            levels: "ripmap".into()
        }
    );
}
