//! `keysplit demo`: the main job end to end on built-in defaults.
//!
//! The demo secret is random and thrown away, so printing shares here is harmless; a real
//! secret's shares are only printed by `split`, which the user asked for.

use keysplit::{Error, Share};

use crate::CliResult;

pub fn run() -> CliResult {
    let mut rng = keysplit::os_rng()?;
    let mut secret = keysplit::Zeroizing::new([0u8; 16]);
    keysplit::Rng::fill_bytes(&mut rng, &mut secret[..]);

    println!("keysplit demo: a random 128-bit wallet entropy, split 2-of-3");
    println!("  (a throw-away secret: nothing here is kept)\n");
    let shares = keysplit::split(&secret[..], 2, 3, &mut rng)?;
    for (name, share) in ["device", "auth", "recovery"].iter().zip(&shares) {
        println!(
            "  {name:<8} x={:<3} {}",
            share.x(),
            share.to_text().as_str()
        );
    }

    println!("\nany two shares rebuild the entropy:");
    for (a, b) in [(0, 1), (0, 2), (1, 2)] {
        let back = keysplit::combine(&[shares[a].clone(), shares[b].clone()])?;
        let ok = back[..] == secret[..];
        println!(
            "  shares {} + {}: {}",
            a + 1,
            b + 1,
            if ok { "recovered" } else { "NOT RECOVERED" }
        );
        if !ok {
            return Err(crate::CliError(
                "demo failed: a pair did not recover".into(),
            ));
        }
    }

    println!("\nand everything else is refused with a reason:");
    show(
        "one share alone",
        keysplit::combine(&shares[..1]).map(|_| ()),
    );
    show(
        "the same share twice",
        keysplit::combine(&[shares[0].clone(), shares[0].clone()]).map(|_| ()),
    );
    let other = keysplit::split(&secret[..], 2, 3, &mut rng)?;
    show(
        "shares of two different splits",
        keysplit::combine(&[shares[0].clone(), other[1].clone()]).map(|_| ()),
    );
    let mut typo = shares[1].to_text().to_string();
    let last = typo.pop().map_or('q', |c| if c == 'q' { 'p' } else { 'q' });
    typo.push(last);
    show("a share with a typo", Share::from_text(&typo).map(|_| ()));

    let recovery = keysplit::combine_text(&[
        shares[0].to_text().to_string(),
        typo.clone(),
        shares[2].to_text().to_string(),
    ])?;
    println!(
        "\nthree shares, one mistyped: recovered = {}, skipped share #{}",
        recovery.secret() == &secret[..],
        recovery.rejected().first().map_or(0, |(i, _)| i + 1)
    );

    let fresh = keysplit::reshare(&shares[1..], 2, 3, &mut rng)?;
    show(
        "after re-sharing, an old share with a new one",
        keysplit::combine(&[shares[0].clone(), fresh[1].clone()]).map(|_| ()),
    );
    println!("\nraw Privy/Vault-compatible shares (y || x, hex) of the same entropy:");
    for share in keysplit::raw::split(&secret[..], 2, 3, &mut rng)? {
        println!("  {}", share.to_hex().as_str());
    }
    crate::wallet::demo()?;
    println!("\ndemo complete.");
    Ok(())
}

fn show(what: &str, result: Result<(), Error>) {
    match result {
        Ok(()) => println!("  {what}: ACCEPTED (unexpected)"),
        Err(e) => println!("  {what}: refused [{}] {e}", e.code()),
    }
}
