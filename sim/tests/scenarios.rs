//! Every shipped scenario loads, and bad scenario files fail with errors that name the
//! file, the key and the value.

use sidebridge_sim::Scenario;
use std::path::Path;

fn load(name: &str) -> Scenario {
    Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap()
}

#[test]
fn shipped_scenarios_load() {
    let s = load("one-nic.toml");
    assert_eq!((s.packages.len(), s.packages[0].card.is_none()), (1, true));
    let s = load("two-dpus.toml");
    assert_eq!(
        s.packages
            .iter()
            .map(|p| (p.id, p.channels, p.card.is_some()))
            .collect::<Vec<_>>(),
        [(0, 2, true), (1, 2, true)]
    );
    let s = load("eight-by-four.toml");
    assert_eq!(s.packages.len(), 8);
    assert!(
        s.packages
            .iter()
            .all(|p| p.channels == 4 && p.card.is_some())
    );
    let s = load("flaky-link.toml");
    assert_eq!((s.faults.len(), s.seed), (10, 7));
    // Every file in the directory is one of these and loads.
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")).unwrap()
    {
        let path = entry.unwrap().path();
        Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn err(text: &str) -> String {
    Scenario::parse(text).unwrap_err().0
}

const PKG: &str = "name = \"t\"\n[[package]]\nid = 0\n";

#[test]
fn bad_files_get_errors_that_name_the_key() {
    let e = Scenario::load(Path::new("/nonexistent/x.toml"))
        .unwrap_err()
        .0;
    assert!(
        e.starts_with("cannot read scenario /nonexistent/x.toml:"),
        "{e}"
    );
    let e = err("name = \"t\"\ncolour = 3\n");
    assert!(
        e.contains("unknown field `colour`") && e.contains("line 2"),
        "{e}"
    );
    let e = err(&format!("{PKG}chanels = 2\n"));
    assert!(e.contains("unknown field `chanels`"), "{e}");
    assert!(
        err("name = \"t\"\n[[package]]\nid = 9\n")
            .contains("package[0] (id 9).id: 9 is out of range 0..=7")
    );
    assert!(
        err(&format!("{PKG}[[package]]\nid = 0\n"))
            .contains("package[1] (id 0).id: package 0 is defined twice")
    );
    assert!(err(&format!("{PKG}channels = 0\n")).contains(".channels: 0 is out of range 1..=31"));
    assert!(
        err(&format!("{PKG}base_mac = \"02:00:00:00:00\"\n"))
            .contains(".base_mac: \"02:00:00:00:00\" is not a MAC address")
    );
    assert!(err(&format!("{PKG}uuid = \"xyz\"\n")).contains(".uuid: \"xyz\" is not a UUID"));
    assert!(err(&format!("{PKG}speed = \"3G\"\n")).contains(".speed: \"3G\" is not one of"));
    assert!(
        err(&format!(
            "{PKG}firmware_name = \"a very long firmware name\"\n"
        ))
        .contains("is longer than 12 bytes")
    );
    assert!(
        err(&format!("{PKG}vendor_mac = \"acme\"\n"))
            .contains(".vendor_mac: \"acme\" is not one of")
    );
    assert!(
        err(&format!("{PKG}[package.card]\nipv4 = [\"192.0.2.1\"]\n"))
            .contains("card.ipv4: \"192.0.2.1\" is not an IPv4 address with a prefix")
    );
    assert!(
        err(&format!("{PKG}[package.card]\npower = \"Sleeping\"\n"))
            .contains("card.power: \"Sleeping\" is not \"On\" or \"Off\"")
    );
    assert!(
        err(&format!(
            "{PKG}[[fault]]\nkind = \"explode\"\nprobability = 0.1\n"
        ))
        .contains("fault[0] (explode).kind: \"explode\" is not one of")
    );
    assert!(
        err(&format!(
            "{PKG}[[fault]]\nkind = \"drop\"\nprobability = 1.5\n"
        ))
        .contains("fault[0] (drop).probability: 1.5 is not between 0 and 1")
    );
    assert!(
        err(&format!("{PKG}[[fault]]\nkind = \"drop\"\n"))
            .contains("give exactly one of probability")
    );
    assert!(
        err(&format!(
            "{PKG}[[fault]]\nkind = \"package_vanish\"\npackage = 3\nat_ms = 1\nduration_ms = 5\n"
        ))
        .contains("fault[0] (package_vanish).package: there is no package 3")
    );
    assert!(
        err(&format!(
            "{PKG}[[fault]]\nkind = \"link_flap\"\npackage = 0\nat_ms = 1\nduration_ms = 5\n"
        ))
        .contains("period_ms: a link flap needs period_ms > 0")
    );
    assert!(
        err(&format!(
            "{PKG}[[fault]]\nkind = \"delay\"\nprobability = 0.5\n"
        ))
        .contains("delay_ms: a delay fault needs delay_ms > 0")
    );
    assert!(
        err(&format!(
            "{PKG}[[fault]]\nkind = \"drop\"\nafter_commands = 1\ncommand = \"Frobnicate\"\n"
        ))
        .contains("command: \"Frobnicate\" is not an NC-SI command name")
    );
    assert!(err(&format!("{PKG}[[fault]]\nkind = \"card_busy\"\npackage = 0\nprobability = 0.1\nduration_ms = 5\n")).contains("this fault happens at a time: give at_ms"));
}
