//! `sidebridge ncsi` and `sidebridge spdm` errors a user meets without privileges or
//! hardware.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sidebridge"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_missing_interface_is_named() {
    let (ok, err) = run(&["ncsi", "--interface", "sbnope0", "get-link-status"]);
    assert!(!ok);
    assert_eq!(
        err.trim(),
        "sidebridge: network interface \"sbnope0\" does not exist"
    );
    let (ok, err) = run(&[
        "ncsi",
        "--interface",
        "sbnope0",
        "--transport",
        "netlink",
        "discover",
    ]);
    assert!(!ok);
    assert_eq!(
        err.trim(),
        "sidebridge: network interface \"sbnope0\" does not exist"
    );
}

#[test]
fn bad_arguments_are_refused_before_anything_is_sent() {
    let (ok, err) = run(&[
        "ncsi",
        "--interface",
        "lo",
        "get-link-status",
        "--package",
        "9",
    ]);
    assert!(!ok);
    assert!(err.contains("9 is not in 0..=7"), "{err}");
    let (ok, err) = run(&[
        "ncsi",
        "--interface",
        "lo",
        "oem",
        "reset",
        "--type",
        "Explode",
    ]);
    assert!(!ok);
    assert!(err.contains("\"Explode\" is not one of On, ForceOff, GracefulShutdown, GracefulRestart, ForceRestart, PowerCycle, Nmi"), "{err}");
    let (ok, err) = run(&["ncsi", "--interface", "lo", "set-mac", "--mac", "02:00:00"]);
    assert!(!ok);
    assert!(err.contains("is not a MAC address"), "{err}");
}

/// `sidebridge spdm` says what is missing before it reaches anything.
#[test]
fn spdm_command_errors_name_what_to_fix() {
    let (ok, err) = run(&["spdm"]);
    assert!(!ok);
    assert_eq!(
        err.trim(),
        "sidebridge spdm: give --serial TTY or --mctp-net NET (the kernel's AF_MCTP)"
    );
    let (ok, err) = run(&[
        "spdm",
        "--serial",
        "/dev/sidebridge-no-tty",
        "--trust-anchor",
        "/nonexistent/ca.pem",
    ]);
    assert!(!ok);
    assert!(
        err.starts_with("sidebridge spdm: trust anchor /nonexistent/ca.pem: No such file"),
        "{err}"
    );
    let (ok, err) = run(&["spdm", "--serial", "/dev/sidebridge-no-tty"]);
    assert!(!ok);
    assert!(
        err.starts_with("sidebridge spdm: cannot open /dev/sidebridge-no-tty"),
        "{err}"
    );
    let (ok, err) = run(&["spdm", "--mctp-net", "1", "--slot", "8"]);
    assert!(!ok);
    assert!(err.contains("--slot"), "{err}");
}
