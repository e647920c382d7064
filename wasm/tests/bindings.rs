//! The bindings as JavaScript sees them, run by wasm-bindgen-test-runner in Node and in
//! headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`). Oracles: Privy's shares from
//! `test-vectors/privy-raw.json`, the core's published error codes, and byte equality.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, ArrayBuffer, DataView, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use keysplit_wasm as ks;

const PRIVY_RAW: &str = include_str!("../../test-vectors/privy-raw.json");

fn bytes(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

fn list(items: &[JsValue]) -> JsValue {
    items.iter().cloned().collect::<Array>().into()
}

fn to_vec(value: &JsValue) -> Vec<u8> {
    value
        .dyn_ref::<Uint8Array>()
        .expect("a Uint8Array")
        .to_vec()
}

fn items(array: &Array) -> Vec<JsValue> {
    array.iter().collect()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn code_of(error: &JsValue) -> String {
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "not an Error: {error:?}"
    );
    let name = Reflect::get(error, &"name".into()).unwrap();
    assert_eq!(name.as_string().as_deref(), Some("KeysplitError"));
    let message = Reflect::get(error, &"message".into()).unwrap();
    assert!(!message.as_string().unwrap_or_default().is_empty());
    Reflect::get(error, &"code".into())
        .unwrap()
        .as_string()
        .expect("a string code")
}

#[wasm_bindgen_test]
fn envelope_round_trip_with_any_two_of_three() {
    let secret = b"correct horse battery staple";
    let shares = items(&ks::split(&bytes(secret), 2.0, 3.0).unwrap());
    assert_eq!(shares.len(), 3);
    for (a, b) in [(0, 1), (0, 2), (2, 1)] {
        let back = ks::combine(&list(&[shares[a].clone(), shares[b].clone()])).unwrap();
        assert_eq!(back.to_vec(), secret);
    }
}

#[wasm_bindgen_test]
fn randomness_reaches_the_module() {
    // Two splits of one secret share nothing but the length: the set id, xs and
    // coefficients all come from crypto.getRandomValues.
    let first = items(&ks::split(&bytes(&[7; 16]), 2.0, 2.0).unwrap());
    let second = items(&ks::split(&bytes(&[7; 16]), 2.0, 2.0).unwrap());
    assert_ne!(to_vec(&first[0]), to_vec(&second[0]));
    let info_a = ks::share_info(&first[0]).unwrap();
    let info_b = ks::share_info(&second[0]).unwrap();
    assert_ne!(
        Reflect::get(&info_a, &"setId".into()).unwrap().as_string(),
        Reflect::get(&info_b, &"setId".into()).unwrap().as_string()
    );
}

#[wasm_bindgen_test]
fn privy_shares_combine_to_privy_secrets() {
    let doc = JSON::parse(PRIVY_RAW).unwrap();
    let vectors: Array = Reflect::get(&doc, &"vectors".into())
        .unwrap()
        .unchecked_into();
    assert!(vectors.length() > 0);
    for vector in vectors.iter() {
        let secret = hex(&Reflect::get(&vector, &"secret".into())
            .unwrap()
            .as_string()
            .unwrap());
        let threshold = Reflect::get(&vector, &"threshold".into())
            .unwrap()
            .as_f64()
            .unwrap() as usize;
        let shares: Vec<JsValue> = Array::from(&Reflect::get(&vector, &"shares".into()).unwrap())
            .iter()
            .map(|s| bytes(&hex(&s.as_string().unwrap())))
            .collect();
        // The last `threshold` shares (not the first ones, to vary the xs).
        let chosen = &shares[shares.len() - threshold..];
        let back = ks::raw_combine(&list(chosen)).unwrap();
        assert_eq!(back.to_vec(), secret);
    }
}

#[wasm_bindgen_test]
fn raw_round_trip_and_format() {
    let secret: Vec<u8> = (0..=255u8).collect();
    let shares = items(&ks::raw_split(&bytes(&secret), 3.0, 5.0).unwrap());
    assert_eq!(shares.len(), 5);
    for share in &shares {
        let share = to_vec(share);
        assert_eq!(share.len(), secret.len() + 1, "y bytes || x");
        assert_ne!(share[share.len() - 1], 0, "x is never 0");
    }
    let back = ks::raw_combine(&list(&shares[1..4])).unwrap();
    assert_eq!(back.to_vec(), secret);
}

#[wasm_bindgen_test]
fn raw_share_with_x_zero_is_refused() {
    // With x = 0 a share's y bytes *are* the secret; Privy's library accepts it.
    let forged = bytes(&[0x41, 0x42, 0x00]);
    let honest = bytes(&[0x10, 0x20, 0x07]);
    let error = ks::raw_combine(&list(&[honest, forged])).unwrap_err();
    assert_eq!(code_of(&error), "ZERO_X");
}

/// The share's `ks1...` text with one character changed (a typo the checksum catches).
fn mistyped(share: &JsValue) -> String {
    let mut text: Vec<char> = ks::share_to_text(share).unwrap().chars().collect();
    let at = text.len() / 2;
    text[at] = if text[at] == 'q' { 'p' } else { 'q' };
    text.into_iter().collect()
}

#[wasm_bindgen_test]
fn errors_carry_the_core_codes() {
    let shares = items(&ks::split(&bytes(b"abc"), 3.0, 4.0).unwrap());
    let cases: Vec<(Result<_, JsValue>, &str)> = vec![
        (
            ks::combine(&list(&shares[..2])).map(|_| ()),
            "BELOW_THRESHOLD",
        ),
        (ks::split(&bytes(b""), 2.0, 3.0).map(|_| ()), "EMPTY_SECRET"),
        (
            ks::split(&bytes(b"x"), 4.0, 3.0).map(|_| ()),
            "INVALID_THRESHOLD",
        ),
        (
            ks::split(&bytes(b"x"), 2.0, 256.0).map(|_| ()),
            "INVALID_SHARE_COUNT",
        ),
        (ks::combine(&list(&[])).map(|_| ()), "NO_SHARES"),
        (
            ks::combine(&list(&[
                shares[0].clone(),
                shares[0].clone(),
                shares[1].clone(),
            ]))
            .map(|_| ()),
            "DUPLICATE_X",
        ),
        (
            ks::share_info(&bytes(b"not a share")).map(|_| ()),
            "BAD_MAGIC",
        ),
        (
            ks::share_from_text(&JsValue::from_str(&mistyped(&shares[0]))).map(|_| ()),
            "TEXT_CHECKSUM",
        ),
        (
            ks::share_from_text(&JsValue::from_str("hello")).map(|_| ()),
            "UNKNOWN_TEXT_FORM",
        ),
    ];
    for (result, expected) in cases {
        assert_eq!(code_of(&result.unwrap_err()), expected);
    }
}

#[wasm_bindgen_test]
fn corrupted_share_is_named() {
    let shares = items(&ks::split(&bytes(b"abcdef"), 2.0, 2.0).unwrap());
    let mut bad = to_vec(&shares[1]);
    bad[30] ^= 1;
    let error = ks::combine(&list(&[shares[0].clone(), bytes(&bad)])).unwrap_err();
    assert_eq!(code_of(&error), "SHARE_CHECKSUM");
    let message = Reflect::get(&error, &"message".into())
        .unwrap()
        .as_string()
        .unwrap();
    assert!(message.contains("#2"), "{message}");
}

#[wasm_bindgen_test]
fn reshare_makes_an_unmixable_new_set() {
    let old = items(&ks::split(&bytes(b"rotate me"), 2.0, 3.0).unwrap());
    let new = items(&ks::reshare(&list(&old[..2]), 3.0, 5.0).unwrap());
    assert_eq!(new.len(), 5);
    assert_eq!(
        ks::combine(&list(&new[2..5])).unwrap().to_vec(),
        b"rotate me"
    );
    let mixed = ks::combine(&list(&[old[0].clone(), new[0].clone(), new[1].clone()]));
    assert_eq!(code_of(&mixed.unwrap_err()), "SET_MISMATCH");
}

#[wasm_bindgen_test]
fn text_forms_round_trip() {
    let shares = items(&ks::split(&bytes(b"text"), 2.0, 2.0).unwrap());
    let texts: Vec<JsValue> = shares
        .iter()
        .map(|s| JsValue::from_str(&ks::share_to_text(s).unwrap()))
        .collect();
    assert!(texts[0].as_string().unwrap().starts_with("ks1"));
    assert_eq!(
        to_vec(&ks::share_from_text(&texts[1]).unwrap().into()),
        to_vec(&shares[1])
    );
    assert_eq!(ks::combine_text(&list(&texts)).unwrap().to_vec(), b"text");
}

#[wasm_bindgen_test]
fn every_kind_of_byte_input_is_accepted() {
    let data = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let backing = Uint8Array::from(&[0xEE, 1, 2, 3, 4, 5, 6, 7, 8, 0xEE][..]);
    let inputs: Vec<JsValue> = vec![
        bytes(&data),
        Uint8Array::from(&data[..]).buffer().into(), // ArrayBuffer
        DataView::new(&backing.buffer(), 1, 8).into(), // view with an offset
        Uint8Array::new_with_byte_offset_and_length(&backing.buffer(), 1, 8).into(),
    ];
    for input in inputs {
        let shares = ks::raw_split(&input, 2.0, 2.0).unwrap();
        assert_eq!(ks::raw_combine(&shares.into()).unwrap().to_vec(), data);
    }
    // An ArrayBuffer passed as-is too (not a view).
    let buffer: JsValue = ArrayBuffer::new(4).into();
    assert_eq!(ks::raw_split(&buffer, 2.0, 3.0).unwrap().length(), 3);
}

#[wasm_bindgen_test]
fn non_bytes_are_refused_with_invalid_input() {
    let not_bytes: Vec<JsValue> = vec![
        JsValue::from_str("secret"),
        JsValue::from_f64(12.0),
        JsValue::NULL,
        JsValue::UNDEFINED,
        Array::of3(&1.into(), &2.into(), &3.into()).into(),
        js_sys::Object::new().into(),
    ];
    for value in not_bytes {
        assert_eq!(
            code_of(&ks::split(&value, 2.0, 3.0).unwrap_err()),
            "INVALID_INPUT"
        );
    }
    assert_eq!(
        code_of(&ks::combine(&bytes(b"not a list")).unwrap_err()),
        "INVALID_INPUT"
    );
    for bad_count in [2.5, -1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            code_of(&ks::split(&bytes(b"x"), bad_count, 3.0).unwrap_err()),
            "INVALID_INPUT"
        );
    }
}

fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let out = js_sys::Object::new();
    for (key, value) in entries {
        Reflect::set(&out, &JsValue::from_str(key), value).unwrap();
    }
    out.into()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

/// Keys for device and auth, a cheap Argon2id for the recovery password.
fn protections(device_key: &JsValue, auth_key: &JsValue) -> JsValue {
    let fast = object(&[
        ("memoryKib", 64.into()),
        ("iterations", 1.into()),
        ("parallelism", 1.into()),
    ]);
    object(&[
        ("device", object(&[("key", device_key.clone())])),
        ("auth", object(&[("key", auth_key.clone())])),
        (
            "recovery",
            object(&[
                ("password", "pass phrase".into()),
                ("argon2", fast),
                ("insecureFastKdf", true.into()),
            ]),
        ),
    ])
}

#[wasm_bindgen_test]
fn known_mnemonic_gives_the_known_address() {
    // BIP-39/BIP-32 reference account (the Hardhat/Trezor "abandon ... about" wallet).
    let device_key: JsValue = ks::generate_share_key().unwrap().into();
    let auth_key: JsValue = ks::generate_share_key().unwrap().into();
    let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    let set = ks::wallet_import(&phrase.into(), &protections(&device_key, &auth_key)).unwrap();
    let info = get(&set, "info");
    assert_eq!(
        get(&info, "ethereumAddress").as_string().unwrap(),
        "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    );
}

#[wasm_bindgen_test]
fn wallet_signs_with_two_shares_and_recovers() {
    let device_key: JsValue = ks::generate_share_key().unwrap().into();
    let auth_key: JsValue = ks::generate_share_key().unwrap().into();
    let set = ks::wallet_create(&protections(&device_key, &auth_key), 128.0).unwrap();
    let info = get(&set, "info");
    let address = get(&info, "ethereumAddress").as_string().unwrap();
    let device = object(&[
        ("role", "device".into()),
        ("share", get(&set, "device")),
        ("key", device_key.clone()),
    ]);
    let auth = object(&[
        ("role", "auth".into()),
        ("share", get(&set, "auth")),
        ("key", auth_key.clone()),
    ]);
    let recovery = object(&[
        ("role", "recovery".into()),
        ("share", get(&set, "recovery")),
        ("password", "pass phrase".into()),
    ]);
    let message = JsValue::from_str("hello from wasm-bindgen-test");
    let signature = ks::wallet_sign(
        "message",
        &info,
        &device,
        &auth,
        0.0,
        &message,
        &JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(signature.length(), 65);
    assert_eq!(
        ks::recover_message_signer(&message, &signature.into()).unwrap(),
        address
    );

    let wrong = object(&[
        ("role", "recovery".into()),
        ("share", get(&set, "recovery")),
        ("password", "not it".into()),
    ]);
    let error = ks::wallet_address(&info, &auth, &wrong, "ethereum", 0.0).unwrap_err();
    assert_eq!(code_of(&error), "WRONG_PASSWORD");

    let next = ks::wallet_recover(
        &info,
        &auth,
        &recovery,
        &protections(&device_key, &auth_key),
    )
    .unwrap();
    let next_info = get(&next, "info");
    assert_eq!(get(&next_info, "epoch").as_f64(), Some(1.0));
    assert_eq!(
        get(&next_info, "ethereumAddress").as_string().unwrap(),
        address
    );
    let stale = ks::wallet_address(&next_info, &device, &auth, "ethereum", 0.0).unwrap_err();
    assert_eq!(code_of(&stale), "EPOCH_MISMATCH");
}

#[wasm_bindgen_test]
fn raw_fast_path_refuses_exactly_like_the_core() {
    // The raw bindings run their own split/combine (one buffer, bulk wipes); every refusal
    // must be the core's error, same code and same message, in the same order.
    let cases: Vec<Vec<Vec<u8>>> = vec![
        vec![],
        vec![vec![1, 2]],
        vec![vec![1, 2], vec![]],
        vec![vec![1, 2], vec![7]],
        vec![vec![0]],
        vec![vec![1, 0], vec![2, 3]],
        vec![vec![1, 2], vec![2, 0]],
        vec![vec![1, 2], vec![2, 3, 4]],
        vec![vec![1, 2, 3], vec![2, 3]],
        vec![vec![1, 5], vec![2, 5]],
        vec![vec![1, 5], vec![2, 6], vec![3, 5]],
        vec![vec![1, 0], vec![2, 0]],
        vec![vec![1, 9], vec![2, 8, 3]],
    ];
    for shares in cases {
        let js: Vec<JsValue> = shares.iter().map(|s| bytes(s)).collect();
        let ours = ks::raw_combine(&list(&js)).unwrap_err();
        let core = keysplit::raw::combine(&shares).unwrap_err();
        assert_eq!(code_of(&ours), core.code(), "{shares:?}");
        let message = Reflect::get(&ours, &"message".into()).unwrap().as_string();
        assert_eq!(message, Some(core.to_string()), "{shares:?}");
    }
    for (threshold, count) in [(2.0, 1.0), (1.0, 3.0), (4.0, 3.0), (2.0, 256.0), (0.0, 0.0)] {
        let ours = ks::raw_split(&bytes(b"abc"), threshold, count).unwrap_err();
        let core = keysplit::raw::split(
            b"abc",
            threshold as usize,
            count as usize,
            &mut keysplit::os_rng().unwrap(),
        )
        .unwrap_err();
        assert_eq!(code_of(&ours), core.code(), "{threshold} of {count}");
    }
    assert_eq!(
        code_of(&ks::raw_split(&bytes(b""), 2.0, 3.0).unwrap_err()),
        "EMPTY_SECRET"
    );
}

#[wasm_bindgen_test]
fn raw_fast_path_round_trips_and_agrees_with_the_core() {
    // Sizes around the 4 KiB block and the 16-byte vector width; every pair of a 2-of-4
    // and three of a 3-of-5 rebuild the secret, through the core's combine too.
    for len in [1usize, 15, 16, 17, 4095, 4096, 4097, 10_000] {
        let secret: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        for (threshold, count) in [(2usize, 4usize), (3, 5)] {
            let shares: Vec<Vec<u8>> =
                items(&ks::raw_split(&bytes(&secret), threshold as f64, count as f64).unwrap())
                    .iter()
                    .map(to_vec)
                    .collect();
            let mut xs: Vec<u8> = shares.iter().map(|s| s[len]).collect();
            xs.sort_unstable();
            xs.dedup();
            assert_eq!(xs.len(), count, "distinct x");
            for start in 0..=count - threshold {
                let chosen = &shares[start..start + threshold];
                let js: Vec<JsValue> = chosen.iter().map(|s| bytes(s)).collect();
                assert_eq!(ks::raw_combine(&list(&js)).unwrap().to_vec(), secret);
                assert_eq!(&keysplit::raw::combine(chosen).unwrap()[..], &secret[..]);
            }
        }
    }
}

/// The simd128 backend (nibble tables computed in registers, fused `mul2`) and the
/// portable one against the scalar field, for every constant and lengths across the
/// 16-byte vector and its tail.
#[wasm_bindgen_test]
fn every_backend_matches_the_scalar_field() {
    use keysplit::hazmat::{field, Backend};
    let backends = Backend::available();
    assert!(
        backends.iter().any(|b| b.name() == "simd128"),
        "the module is built with +simd128"
    );
    for backend in backends {
        for c in 0..=255u8 {
            let len = usize::from(c) % 50;
            let src: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(73) ^ c).collect();
            let other: Vec<u8> = (0..len)
                .map(|i| (i as u8).wrapping_mul(29).wrapping_add(c))
                .collect();
            let mut dst = other.clone();
            backend.mul_add(&mut dst, &src, c);
            let want: Vec<u8> = (0..len).map(|i| other[i] ^ field::mul(c, src[i])).collect();
            assert_eq!(dst, want, "{} mul_add c={c}", backend.name());
            for a in [1u8, c.wrapping_add(3)] {
                let mut fused = vec![0xEEu8; len];
                backend.mul2(&mut fused, &other, a, &src, c);
                let want: Vec<u8> = (0..len)
                    .map(|i| field::mul(a, other[i]) ^ field::mul(c, src[i]))
                    .collect();
                assert_eq!(fused, want, "{} mul2 a={a} c={c}", backend.name());
                let mut in_place = other.clone();
                backend.mul2_in_place(&mut in_place, a, &src, c);
                assert_eq!(
                    in_place,
                    want,
                    "{} mul2_in_place a={a} c={c}",
                    backend.name()
                );
            }
        }
    }
}
