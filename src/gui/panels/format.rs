//! Number formatting shared by the panels.

/// `76800` → `76 800` (plain spaces, so the text can be searched and copied): the core's
/// formatting, so the viewer and the CLI write counts alike.
pub fn group_thousands(n: u64) -> String {
    exrprobe_core::diagnose::format_count(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The exact value as short text: f64 values that are exactly an f32 print as that f32's
/// shortest round-trip text (`1`, `0.1`, `7.212733`), others as f64.
pub fn exact(value: f64) -> String {
    let as_f32 = value as f32;
    if f64::from(as_f32) == value || value.is_nan() {
        format!("{as_f32}")
    } else {
        format!("{value}")
    }
}

/// About four significant digits for labels: `7.213`, `1e10`, `0.0003052`, `-12.5`.
pub fn compact(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs();
    if !(1e-3..1e6).contains(&magnitude) {
        let text = format!("{value:.3e}");
        // Trim zeros in the mantissa: 1.000e10 → 1e10.
        return match text.split_once('e') {
            Some((mantissa, exponent)) => {
                let mantissa = if mantissa.contains('.') {
                    mantissa.trim_end_matches('0').trim_end_matches('.')
                } else {
                    mantissa
                };
                format!("{mantissa}e{exponent}")
            }
            None => text,
        };
    }
    let decimals = (3 - magnitude.log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_with_spaces() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(76_800), "76 800");
        assert_eq!(group_thousands(1_234_567), "1 234 567");
    }

    #[test]
    fn exact_prints_f32_values_shortest() {
        assert_eq!(exact(1.0), "1");
        assert_eq!(exact(f64::from(0.1f32)), "0.1");
        assert_eq!(exact(f64::from(7.212_733_f32)), "7.212733");
        assert_eq!(exact(0.1), "0.1");
        assert_eq!(exact(1e10), "10000000000");
    }

    #[test]
    fn compact_keeps_four_significant_digits() {
        assert_eq!(compact(7.212_733), "7.213");
        assert_eq!(compact(1e10), "1e10");
        assert_eq!(compact(-12.5), "-12.5");
        assert_eq!(compact(0.000_305_2), "3.052e-4");
        assert_eq!(compact(1.0), "1");
        assert_eq!(compact(65504.0), "65504");
    }
}
