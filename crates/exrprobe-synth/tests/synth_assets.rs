//! The committed example renders in `assets/` must be exactly what `synth` renders today, and must
//! have the structure the viewer and the docs promise.

use std::io::Cursor;

use exr::prelude::{
    AnyChannels, FlatSamples, Image, Layer, ReadChannels as _, ReadLayers as _, read,
};
use exrprobe_synth::{self as synth, BenchEncoding, NO_HIT_DEPTH, PASS_CHANNELS, PASS_COUNT};

type FlatImage = Image<Layer<AnyChannels<FlatSamples>>>;

fn committed(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

fn decode(bytes: &[u8]) -> FlatImage {
    read()
        .no_deep_data()
        .largest_resolution_level()
        .all_channels()
        .first_valid_layer()
        .all_attributes()
        .from_buffered(Cursor::new(bytes))
        .unwrap_or_else(|err| panic!("cannot decode: {err}"))
}

fn names(image: &FlatImage) -> Vec<String> {
    image
        .layer_data
        .channel_data
        .list
        .iter()
        .map(|c| c.name.to_string())
        .collect()
}

fn f32_samples<'a>(image: &'a FlatImage, name: &str) -> &'a [f32] {
    let channel = image
        .layer_data
        .channel_data
        .list
        .iter()
        .find(|c| c.name.to_string() == name)
        .unwrap_or_else(|| panic!("no channel {name}"));
    match &channel.sample_data {
        FlatSamples::F32(v) => v,
        other => panic!("{name} is not float: {other:?}"),
    }
}

#[test]
fn committed_assets_match_a_fresh_render_byte_for_byte() {
    let spheres = synth::example_spheres_exr().unwrap_or_else(|err| panic!("{err}"));
    let trap = synth::example_z_trap_exr().unwrap_or_else(|err| panic!("{err}"));
    // Not assert_eq!: a diff of two 400 KB vectors is useless. Rerun make_assets on a mismatch.
    assert!(
        spheres == committed("example_spheres.exr"),
        "assets/example_spheres.exr is stale: run `cargo run -p exrprobe-core --example make_assets`"
    );
    assert!(
        trap == committed("example_z_trap.exr"),
        "assets/example_z_trap.exr is stale: run `cargo run -p exrprobe-core --example make_assets`"
    );
    for bytes in [&spheres, &trap] {
        assert!(bytes.len() < 700_000, "asset grew to {} bytes", bytes.len());
    }
}

#[test]
fn spheres_example_is_a_blender_style_multilayer_render() {
    let image = decode(&committed("example_spheres.exr"));
    assert_eq!(
        image.layer_data.size.0 * image.layer_data.size.1,
        synth::EXAMPLE_WIDTH * synth::EXAMPLE_HEIGHT
    );
    assert_eq!(
        names(&image),
        [
            "ViewLayer.Combined.A",
            "ViewLayer.Combined.B",
            "ViewLayer.Combined.G",
            "ViewLayer.Combined.R",
            "ViewLayer.Depth.Z",
            "ViewLayer.Mist.Z",
            "ViewLayer.Normal.X",
            "ViewLayer.Normal.Y",
            "ViewLayer.Normal.Z",
        ]
    );
    for channel in &image.layer_data.channel_data.list {
        assert!(
            matches!(channel.sample_data, FlatSamples::F32(_)),
            "{} is not float",
            channel.name
        );
    }

    let depth = f32_samples(&image, "ViewLayer.Depth.Z");
    let alpha = f32_samples(&image, "ViewLayer.Combined.A");
    let mist = f32_samples(&image, "ViewLayer.Mist.Z");
    let background = depth.iter().filter(|&&z| z == NO_HIT_DEPTH).count();
    assert!(background > depth.len() / 10, "background: {background}");
    assert!(background < depth.len() / 2, "background: {background}");
    let (lo, hi) = depth
        .iter()
        .filter(|&&z| z != NO_HIT_DEPTH)
        .fold((f32::MAX, f32::MIN), |(lo, hi), &z| (lo.min(z), hi.max(z)));
    assert!(lo > 2.0 && lo < 4.0, "nearest depth {lo}");
    assert!(hi > 10.0 && hi < 20.0, "farthest depth {hi}");
    // Depth keeps full float precision: half has only about 3000 distinct values in 2..16.
    let mut distinct: Vec<u32> = depth.iter().map(|z| z.to_bits()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(
        distinct.len() > 5_000,
        "distinct depths: {}",
        distinct.len()
    );

    for ((&z, &a), &m) in depth.iter().zip(alpha).zip(mist) {
        assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&m));
        if z == NO_HIT_DEPTH {
            assert_eq!(m, 1.0, "mist is 1 where nothing was hit");
            assert!(a < 1.0, "a pixel whose centre saw sky is not fully covered");
        }
        if a == 0.0 {
            assert_eq!(z, NO_HIT_DEPTH);
        }
    }
    // Normals are unit length on hits and zero on the background.
    let nx = f32_samples(&image, "ViewLayer.Normal.X");
    let ny = f32_samples(&image, "ViewLayer.Normal.Y");
    let nz = f32_samples(&image, "ViewLayer.Normal.Z");
    for (i, &z) in depth.iter().enumerate() {
        let len2 = nx[i] * nx[i] + ny[i] * ny[i] + nz[i] * nz[i];
        if z == NO_HIT_DEPTH {
            assert_eq!(len2, 0.0);
        } else {
            assert!((len2 - 1.0).abs() < 0.01, "normal length² {len2} at {i}");
        }
    }
}

#[test]
fn z_trap_example_has_rgba_and_a_constant_z_of_one() {
    let image = decode(&committed("example_z_trap.exr"));
    assert_eq!(names(&image), ["A", "B", "G", "R", "Z"]);
    let z = f32_samples(&image, "Z");
    assert_eq!(z.len(), synth::EXAMPLE_WIDTH * synth::EXAMPLE_HEIGHT);
    assert!(
        z.iter().all(|&v| v == 1.0),
        "Z must be exactly 1.0 everywhere"
    );
    // The colour is the same render as the multilayer example.
    let spheres = decode(&committed("example_spheres.exr"));
    for c in ["R", "G", "B", "A"] {
        assert_eq!(
            f32_samples(&image, c),
            f32_samples(&spheres, &format!("ViewLayer.Combined.{c}"))
        );
    }
    let alpha = f32_samples(&image, "A");
    assert!(alpha.contains(&0.0) && alpha.contains(&1.0));
}

#[test]
fn bench_files_carry_the_33_channel_pass_set_in_blender_types() {
    let (width, height) = (64, 36);
    let reference = synth::render(width, height);
    for encoding in BenchEncoding::ALL {
        let bytes = synth::bench_exr(width, height, encoding).unwrap_or_else(|err| panic!("{err}"));
        let image = decode(&bytes);
        let list = &image.layer_data.channel_data.list;
        assert_eq!(list.len(), PASS_COUNT);
        for (pass, ch) in PASS_CHANNELS {
            let name = format!("ViewLayer.{pass}.{ch}");
            let channel = list
                .iter()
                .find(|c| c.name.to_string() == name)
                .unwrap_or_else(|| panic!("{encoding:?}: no channel {name}"));
            let expected = reference.channel(pass, ch).unwrap_or_default();
            let half = encoding.half_colour() && synth::is_color_pass(pass);
            match &channel.sample_data {
                FlatSamples::F16(v) => {
                    assert!(half, "{encoding:?}: {name} should be float");
                    let widened: Vec<f32> = v.iter().map(|h| h.to_f32()).collect();
                    let rounded: Vec<f32> = expected
                        .iter()
                        .map(|&x| exr::prelude::f16::from_f32(x).to_f32())
                        .collect();
                    if encoding.keeps_half_exactly() {
                        assert_eq!(widened, rounded, "{encoding:?}: {name}");
                    }
                }
                FlatSamples::F32(v) => {
                    assert!(!half, "{encoding:?}: {name} should be half");
                    if encoding.keeps_float_exactly() {
                        assert_eq!(
                            v.as_slice(),
                            expected,
                            "{encoding:?}: {name} must be lossless"
                        );
                    }
                }
                FlatSamples::U32(_) => panic!("{name} is uint"),
            }
        }
        let depth = f32_samples(&image, "ViewLayer.Depth.Z");
        // Depth is stored whole by every compression but PXR24.
        if encoding != BenchEncoding::Pxr24Float {
            assert!(depth.contains(&NO_HIT_DEPTH), "{encoding:?}");
        }
    }
}
