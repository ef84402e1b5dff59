//! The `sidebridge-sim` binary fails with clear messages for a user's usual mistakes.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sidebridge-sim"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_missing_scenario_file_is_named() {
    let (ok, err) = run(&["--interface", "lo", "--scenario", "/nonexistent/s.toml"]);
    assert!(!ok);
    assert!(
        err.starts_with("sidebridge-sim: cannot read scenario /nonexistent/s.toml:"),
        "{err}"
    );
}

#[test]
fn a_missing_interface_is_named() {
    let (ok, err) = run(&[
        "--interface",
        "sbnope0",
        "--scenario",
        &scenario("two-dpus.toml"),
    ]);
    assert!(!ok);
    assert_eq!(
        err.trim(),
        "sidebridge-sim: network interface \"sbnope0\" does not exist"
    );
}

#[test]
fn a_bad_scenario_names_file_and_key() {
    let path = std::env::temp_dir().join(format!("sb-bad-{}.toml", std::process::id()));
    std::fs::write(&path, "name = \"x\"\n[[package]]\nid = 12\n").unwrap();
    let (ok, err) = run(&["--interface", "lo", "--scenario", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "{}: package[0] (id 12).id: 12 is out of range 0..=7",
            path.display()
        )),
        "{err}"
    );
}
