//! Rules for PINs, passwords, activation codes and login names (pure, no I/O).

/// The characters of activation codes: no 0/O, 1/I/L, so a code read aloud or from paper is
/// hard to get wrong.
pub const ACTIVATION_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Length of an activation code (31^8 ≈ 8.5·10^11 codes).
pub const ACTIVATION_CODE_LEN: usize = 8;
/// Longest typed activation code accepted (the code with its spaces and dashes).
pub const ACTIVATION_INPUT_MAX: usize = 32;
/// Minimum length of a staff password.
pub const STAFF_PASSWORD_MIN: usize = 12;
/// Minimum length of a resident's password (when they choose one over a PIN).
pub const RESIDENT_PASSWORD_MIN: usize = 10;
/// Longest accepted password (Argon2 input is bounded to keep hashing cost fixed).
pub const PASSWORD_MAX: usize = 128;
/// Failed sign-ins after which an account locks.
pub const LOCK_AFTER_FAILURES: i32 = 5;

/// Why a PIN or password is refused (texts for people: `crate::i18n::Msg::Weak`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    PinDigits,
    PinRepeated,
    PinRun,
    TooShort { min: usize },
    TooLong { max: usize },
    FewDistinct,
    Common,
}

impl std::fmt::Display for Weakness {
    /// English, for the command line (`create-admin`) and logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [_, en] = crate::i18n::Msg::Weak(*self).texts();
        f.write_str(&en)
    }
}

/// Checks a resident PIN: 5 or 6 digits, not one repeated digit and not a straight run.
pub fn check_pin(pin: &str) -> Result<(), Weakness> {
    if !(5..=6).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Weakness::PinDigits);
    }
    let digits: Vec<i16> = pin.bytes().map(|b| i16::from(b - b'0')).collect();
    if digits.windows(2).all(|w| w[0] == w[1]) {
        return Err(Weakness::PinRepeated);
    }
    if digits.windows(2).all(|w| w[1] - w[0] == 1) || digits.windows(2).all(|w| w[0] - w[1] == 1) {
        return Err(Weakness::PinRun);
    }
    Ok(())
}

/// Checks a password of at least `min` characters that is not trivially weak.
pub fn check_password(password: &str, min: usize) -> Result<(), Weakness> {
    let chars = password.chars().count();
    if chars < min {
        return Err(Weakness::TooShort { min });
    }
    if chars > PASSWORD_MAX {
        return Err(Weakness::TooLong { max: PASSWORD_MAX });
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err(Weakness::FewDistinct);
    }
    let lower = password.to_lowercase();
    const COMMON: [&str; 8] = [
        "password",
        "wachtwoord",
        "welkom",
        "qwerty",
        "123456",
        "letmein",
        "admin",
        "geheim",
    ];
    if COMMON.iter().any(|w| lower.contains(w)) {
        return Err(Weakness::Common);
    }
    Ok(())
}

/// Normalises a typed activation code: upper case, spaces and dashes removed. `None` when it
/// cannot be a code at all.
pub fn normalize_activation_code(code: &str) -> Option<String> {
    if code.chars().count() > ACTIVATION_INPUT_MAX {
        return None;
    }
    let cleaned: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (cleaned.len() == ACTIVATION_CODE_LEN
        && cleaned.bytes().all(|b| ACTIVATION_ALPHABET.contains(&b)))
    .then_some(cleaned)
}

/// The readable part of a resident's login name: the first word of the name that gives at
/// least two letters, transliterated to lower-case ASCII (`Ayşe` → `ayse`, `Łukasz` → `lukasz`,
/// `Олена` → `olena`, `محمد` → `mhmd`), at most 12 letters, or `inwoner` when no word does.
/// Transliteration is `deunicode`'s (maintained tables for every script in Unicode's main
/// plane): a hand-written table only knew the letters someone thought of.
pub fn login_name_base(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .map(|word| {
            word.chars()
                .filter_map(transliterate)
                .flat_map(str::chars)
                .filter(char::is_ascii_alphabetic)
                .map(|c| c.to_ascii_lowercase())
                .take(12)
                .collect::<String>()
        })
        .find(|base| base.len() >= 2)
        .unwrap_or_else(|| "inwoner".into())
}

/// One character in ASCII. For Ge'ez (Tigrinya, Amharic) `deunicode` spells every syllable with
/// its vowel, `ተስፋይ` (Tesfay) as `tasefaaye`; names read better with the sixth order (a bare
/// or silent consonant) and the long fourth and fifth (`aa`, `ee`) shortened: `tasfay`.
fn transliterate(c: char) -> Option<&'static str> {
    let ascii = deunicode::deunicode_char(c)?;
    let code = u32::from(c);
    if !(0x1200..=0x135A).contains(&code) {
        return Some(ascii);
    }
    let order = (code - 0x1200) % 8;
    Some(match order {
        5 => ascii.strip_suffix('e').unwrap_or(ascii),
        3 if ascii.ends_with("aa") => &ascii[..ascii.len() - 1],
        4 if ascii.ends_with("ee") => &ascii[..ascii.len() - 1],
        _ => ascii,
    })
}

/// How long an account stays locked after `failures` failed attempts: from the fifth failure
/// on, 1 minute doubling per further failure, capped at 24 hours. With the cap, guessing
/// through 10^5 PINs would take centuries.
pub fn lock_duration(failures: i32) -> Option<chrono::Duration> {
    if failures < LOCK_AFTER_FAILURES {
        return None;
    }
    let exp = (failures - LOCK_AFTER_FAILURES).min(11) as u32;
    let minutes = (1_i64 << exp).min(24 * 60);
    Some(chrono::Duration::minutes(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins() {
        for ok in ["48213", "904417"] {
            assert_eq!(check_pin(ok), Ok(()), "{ok}");
        }
        for bad in [
            "1234",
            "1234567",
            "12a45",
            "11111",
            "12345",
            "654321",
            "",
            "４８２１３",
        ] {
            assert!(check_pin(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("correct horse battery", 12).is_ok());
        assert!(check_password("short", 12).is_err());
        assert!(check_password("aaaaaaaaaaaaaaaa", 12).is_err());
        assert!(check_password("MijnWachtwoord2024!", 12).is_err());
        assert!(check_password(&"x1y2z3".repeat(30), 12).is_err());
    }

    #[test]
    fn activation_codes_normalise() {
        assert_eq!(
            normalize_activation_code("abcd-efgh"),
            Some("ABCDEFGH".into())
        );
        assert_eq!(
            normalize_activation_code(" 2345 6789 "),
            Some("23456789".into())
        );
        assert_eq!(
            normalize_activation_code("ABCDEFG0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(normalize_activation_code("ABC"), None);
    }

    #[test]
    fn login_name_bases() {
        assert_eq!(login_name_base("Fatima el Amrani"), "fatima");
        assert_eq!(login_name_base("Zoë"), "zoe");
        assert_eq!(login_name_base(""), "inwoner");
        assert_eq!(login_name_base("  ·  "), "inwoner");
        assert_eq!(
            login_name_base("Ö. Yılmaz"),
            "yilmaz",
            "a lone initial is skipped"
        );
        assert_eq!(login_name_base("Anne-Marie de Vries"), "annemarie");
        assert_eq!(login_name_base("Bartholomeüs-Jan"), "bartholomeus");
    }

    /// Names from the communities Dutch debt help serves: each becomes a readable Latin login,
    /// never the fallback and never one with letters dropped.
    #[test]
    fn login_names_of_the_communities_served() {
        let mut wrong = Vec::new();
        for (name, expected) in [
            // Turkish
            ("Ayşe Yılmaz", "ayse"),
            ("Çağrı Öztürk", "cagri"),
            ("İbrahim Şahin", "ibrahim"),
            ("Gülşen Doğan", "gulsen"),
            // Polish
            ("Łukasz Wójcik", "lukasz"),
            ("Małgorzata Zając", "malgorzata"),
            ("Żaneta Król", "zaneta"),
            // Vietnamese
            ("Nguyễn Văn An", "nguyen"),
            ("Trần Thị Hương", "tran"),
            // Arabic script (no short vowels are written, so none can be read back)
            ("محمد العلي", "mhmd"),
            ("فاطمة", "ftm"),
            // Tigrinya (Ge'ez script)
            ("ሰናይት ተስፋይ", "sanayt"),
            ("ተስፋይ", "tasfay"),
            ("ሚካኤል", "mikael"),
            // Somali
            ("Cabdi Xasan", "cabdi"),
            // Moroccan: Darija in Latin letters, Tamazight in Tifinagh
            ("Fatima-Zahra El Idrissi", "fatimazahra"),
            ("ⵜⵉⵍⴻⵍⵍⵉ", "tilelli"),
            // Surinamese Hindustani / Hindi
            ("Radjesh Ramdin", "radjesh"),
            ("प्रिया शर्मा", "priyaa"),
            // Ukrainian / Russian
            ("Олена Шевченко", "olena"),
            ("Юрій", "iurii"),
            ("Дмитрий", "dmitrii"),
            // Chinese
            ("李", "li"),
        ] {
            let base = login_name_base(name);
            assert!(
                base.len() >= 2 && base.len() <= 12 && base.bytes().all(|b| b.is_ascii_lowercase())
            );
            if base != expected {
                wrong.push(format!("{name} -> {base} (expected {expected})"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn locks_grow_and_cap() {
        assert_eq!(lock_duration(4), None);
        assert_eq!(lock_duration(5), Some(chrono::Duration::minutes(1)));
        assert_eq!(lock_duration(6), Some(chrono::Duration::minutes(2)));
        assert_eq!(lock_duration(40), Some(chrono::Duration::hours(24)));
        // 10^5 guesses after the cap: one per day.
        let mut total = chrono::Duration::zero();
        for f in 5..100_005 {
            total += lock_duration(f).unwrap_or_default();
        }
        assert!(total > chrono::Duration::days(365 * 100));
    }
}
