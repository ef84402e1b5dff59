//! The files in `deploy/` and the startup checks of `sidebridge run`.

mod common;

use sidebridge::config::Config;
use std::path::{Path, PathBuf};
use std::process::Command;

fn deploy(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(p)
}

#[test]
fn example_configs_load() {
    let raw = Config::load(&deploy("config/raw.toml")).unwrap();
    assert_eq!(raw.ncsi.transport, sidebridge::config::TransportKind::Raw);
    assert_eq!(raw.redfish.listen.port(), 8443);
    let nl = Config::load(&deploy("config/netlink.toml")).unwrap();
    assert_eq!(
        nl.ncsi.transport,
        sidebridge::config::TransportKind::Netlink
    );
    let mctp = Config::load(&deploy("config/mctp-serial.toml")).unwrap();
    assert_eq!(
        mctp.ncsi.transport,
        sidebridge::config::TransportKind::MctpSerial
    );
    assert_eq!(mctp.ncsi.serial.as_deref(), Some(Path::new("/dev/ttyS2")));
    let spdm = Config::load(&deploy("config/spdm.toml")).unwrap();
    assert_eq!(spdm.spdm.len(), 2);
    assert_eq!((spdm.spdm[1].package, spdm.spdm[1].eid), (1, 10));
    assert_eq!(spdm.spdm[0].mode, sidebridge::spdm::Mode::Require);
    let sat = Config::load(&deploy("config/satellite.toml")).unwrap();
    assert!(sat.redfish.http_listen.unwrap().ip().is_loopback());
    assert_eq!(
        sat.redfish.http_unauthenticated_role,
        sidebridge::config::Unauthenticated::As(sidebridge::redfish::auth::Role::Operator)
    );
}

#[test]
fn the_unit_is_hardened_and_verifies() {
    let unit = std::fs::read_to_string(deploy("sidebridge.service")).unwrap();
    for line in [
        "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN",
        "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "StateDirectory=sidebridge",
        "Restart=on-failure",
        "StartLimitBurst=5",
        "ExecStart=/usr/bin/sidebridge run --config /etc/sidebridge/sidebridge.toml",
    ] {
        assert!(unit.lines().any(|l| l == line), "missing {line:?}");
    }
    // systemd's own check, when the tool is there: the unit with ExecStart pointing
    // at the binary just built.
    let Ok(out) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("SKIPPED systemd-analyze verify: not installed");
        return;
    };
    if !out.status.success() {
        return;
    }
    let dir = common::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sidebridge.service");
    std::fs::write(
        &path,
        unit.replace("/usr/bin/sidebridge", env!("CARGO_BIN_EXE_sidebridge")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    // Lines about the unit itself are what matters; the container's own setup may add others.
    let ours: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("sidebridge.service"))
        .collect();
    assert!(ours.is_empty(), "systemd-analyze verify: {ours:?}");
}

/// Runs `sidebridge run` with `config` and returns its exit status and stderr.
fn run_with(config: &str) -> (bool, String) {
    start_with("run", config)
}

/// `sidebridge <command> --config` with `config`: its exit status and stderr.
fn start_with(command: &str, config: &str) -> (bool, String) {
    let dir = common::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.toml");
    std::fs::write(&path, config.replace("@DIR@", &dir.display().to_string())).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sidebridge"))
        .args([command, "--config"])
        .arg(&path)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A startup failure ends the process quickly; give it 20 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (status.is_some_and(|s| s.success()), err)
}

#[test]
fn startup_failures_say_what_to_fix() {
    let (ok, err) = run_with(
        "[ncsi]\ninterface = \"sbnope0\"\n[redfish]\nlisten = \"127.0.0.1:0\"\nstate_dir = \"@DIR@/state\"\n",
    );
    assert!(!ok);
    assert!(
        err.contains("sidebridge: network interface \"sbnope0\" does not exist"),
        "{err}"
    );

    let (ok, err) = run_with(
        "[ncsi]\ninterface = \"lo\"\n[redfish]\nlisten = \"127.0.0.1:0\"\nstate_dir = \"/proc/sidebridge-state\"\n",
    );
    assert!(!ok);
    assert!(
        err.contains("sidebridge: state directory /proc/sidebridge-state cannot be created"),
        "{err}"
    );

    let (ok, err) = run_with(
        "[ncsi]\ninterface = \"lo\"\n[redfish]\nlisten = \"127.0.0.1:0\"\nstate_dir = \"@DIR@/state\"\ncertificate = \"/nonexistent/cert.pem\"\nprivate_key = \"/nonexistent/key.pem\"\n",
    );
    assert!(!ok);
    assert!(
        err.contains("sidebridge: cannot read /nonexistent/cert.pem"),
        "{err}"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let (ok, err) = run_with(&format!(
        "[ncsi]\ninterface = \"lo\"\n[redfish]\nlisten = \"127.0.0.1:{port}\"\nstate_dir = \"@DIR@/state\"\n"
    ));
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "sidebridge: cannot listen on 127.0.0.1:{port}: the port is in use by another program"
        )),
        "{err}"
    );

    let (ok, err) = run_with(
        "[ncsi]\ninterface = \"lo\"\n[redfish]\nlisten = \"127.0.0.1:0\"\nstate_dir = \"@DIR@/state\"\n[dbus]\nenabled = true\nbus = \"unix:path=@DIR@/no-bus\"\n",
    );
    assert!(!ok);
    assert!(
        err.contains("sidebridge: D-Bus (unix:path=") && err.contains("no-bus): cannot connect: "),
        "{err}"
    );

    // SPDM: anchors and links are opened before the daemon serves any card.
    let base = "[ncsi]\ninterface = \"lo\"\n[redfish]\nlisten = \"127.0.0.1:0\"\nstate_dir = \"@DIR@/state\"\n";
    let (ok, err) = run_with(&format!(
        "{base}[[spdm]]\npackage = 0\nmctp_net = 1\ntrust_anchors = [\"/nonexistent/ca.pem\"]\n"
    ));
    assert!(!ok);
    assert!(
        err.contains(
            "sidebridge: spdm[0].trust_anchors: trust anchor /nonexistent/ca.pem: No such file"
        ),
        "{err}"
    );
    let (ok, err) = run_with(&format!(
        "{base}[[spdm]]\npackage = 0\nserial = \"/dev/sidebridge-no-tty\"\nmode = \"none\"\n"
    ));
    assert!(!ok);
    assert!(
        err.contains("sidebridge: spdm[0].serial: cannot open /dev/sidebridge-no-tty"),
        "{err}"
    );

    let (ok, err) = run_with("[ncsi]\ninterface = \"lo\"\ntimeout_ms = 0\n");
    assert!(!ok);
    assert!(
        err.contains("c.toml: ncsi.timeout_ms: 0 is out of range 1..=60000"),
        "{err}"
    );
}

#[test]
fn without_cap_net_raw_the_raw_socket_is_refused_clearly() {
    if !sidebridge_sim::testbed::privileged("without_cap_net_raw_the_raw_socket_is_refused_clearly")
    {
        return;
    }
    let dir = common::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.toml");
    std::fs::write(&path, format!("[ncsi]\ninterface = \"lo\"\n[redfish]\nlisten = \"127.0.0.1:0\"\nstate_dir = \"{}/state\"\n", dir.display())).unwrap();
    // Root without CAP_NET_RAW (setpriv from util-linux drops it from the bounding set).
    let out = Command::new("setpriv")
        .args(["--bounding-set=-net_raw", "--inh-caps=-net_raw", "--"])
        .arg(env!("CARGO_BIN_EXE_sidebridge"))
        .args(["run", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("opening a raw socket on lo needs CAP_NET_RAW"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_satellite_listener_is_loopback_only_and_serves_its_role() {
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    let dir = common::temp_dir();
    let r = common::daemon(&dir).await;
    let app = sidebridge::redfish::app_trusting(
        r.daemon.state.clone(),
        sidebridge::redfish::auth::Role::Operator,
    );
    let call = |m: Method, p: &str, b: &str| {
        Request::builder()
            .method(m)
            .uri(p)
            .header("Content-Type", "application/json")
            .body(Body::from(b.to_string()))
            .unwrap()
    };
    let resp =
        tower::ServiceExt::oneshot(app.clone(), call(Method::GET, "/redfish/v1/Systems", ""))
            .await
            .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "no credentials needed");
    let resp = tower::ServiceExt::oneshot(
        app.clone(),
        call(
            Method::PATCH,
            "/redfish/v1/Systems/DPU0000A1",
            r#"{"Boot": {"BootSourceOverrideTarget": "Pxe"}}"#,
        ),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "an Operator may change boot");
    let resp = tower::ServiceExt::oneshot(
        app,
        call(
            Method::POST,
            "/redfish/v1/AccountService/Accounts",
            r#"{"UserName": "x", "Password": "long-enough", "RoleId": "Administrator"}"#,
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::FORBIDDEN,
        "but not manage accounts"
    );
    // The plain listener refuses a non-loopback address.
    let l = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let err = sidebridge::daemon::serve_plain(l, r.daemon.app(), rx)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the plain-HTTP listener may only bind a loopback address"),
        "{err}"
    );
    // The HTTPS app keeps requiring credentials.
    let resp = tower::ServiceExt::oneshot(
        r.daemon.app(),
        Request::builder()
            .uri("/redfish/v1/Systems")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let _ = std::fs::remove_dir_all(dir);
}

/// The card side: the agent's example config loads (its credentials handed over by
/// systemd), its unit is hardened, and the recipe packages both sides.
#[test]
fn the_agent_is_deployable() {
    use sidebridge::agent::config::{AgentConfig, Trust};
    use std::os::unix::fs::PermissionsExt;
    let dir = common::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let cred = dir.join("card-credentials");
    std::fs::write(&cred, "service:secret\n").unwrap();
    std::fs::set_permissions(&cred, std::fs::Permissions::from_mode(0o400)).unwrap();
    let text = std::fs::read_to_string(deploy("agent/agent.toml")).unwrap();
    // Without systemd's credentials directory the bare name is explained.
    if std::env::var_os("CREDENTIALS_DIRECTORY").is_none() {
        let e = AgentConfig::parse(&text).unwrap_err().0;
        assert!(e.contains("CREDENTIALS_DIRECTORY"), "{e}");
    }
    let text = text.replace(
        "\"card-credentials\"",
        &format!("{:?}", cred.display().to_string()),
    );
    let c = AgentConfig::parse(&text).unwrap();
    assert_eq!(c.card.url, "https://127.0.0.1");
    assert_eq!(
        c.card.credentials,
        Some(("service".into(), "secret".into()))
    );
    assert_eq!(
        c.card.trust,
        Trust::CaFile("/etc/ssl/certs/ca-certificates.crt".into())
    );
    assert_eq!(c.allow.rules.len(), 2);
    let _ = std::fs::remove_dir_all(&dir);

    let unit = std::fs::read_to_string(deploy("agent/sidebridge-agent.service")).unwrap();
    for line in [
        "ExecStart=/usr/bin/sidebridge agent --config /etc/sidebridge/agent.toml",
        "CapabilityBoundingSet=",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "LoadCredential=card-credentials:/etc/sidebridge/card-credentials",
        "DevicePolicy=closed",
        "Restart=on-failure",
    ] {
        assert!(
            unit.lines().any(|l| l == line),
            "agent unit: missing {line:?}"
        );
    }
    let recipe = std::fs::read_to_string(deploy("openbmc/sidebridge.bb")).unwrap();
    for needle in [
        "SYSTEMD_SERVICE:${PN}-agent = \"sidebridge-agent.service\"",
        "SYSTEMD_SERVICE:${PN}-platform = \"sidebridge.service\"",
        "deploy/agent/agent.toml",
    ] {
        assert!(recipe.contains(needle), "recipe: missing {needle:?}");
    }
    let platform = Config::load(&deploy("config/card-bmc.toml")).unwrap();
    assert_eq!(platform.card_bmcs.len(), 1);
    assert_eq!(platform.card_bmcs[0].eid, 20);
}

/// On OpenBMC the cards are on D-Bus: the recipe builds the feature and installs the
/// bus policy and the Type=dbus drop-in, whose bus name is the one the installed
/// configuration owns.
#[test]
fn the_d_bus_face_is_deployable() {
    let recipe = std::fs::read_to_string(deploy("openbmc/sidebridge.bb")).unwrap();
    for needle in [
        "--no-default-features --features dbus",
        "deploy/dbus/xyz.openbmc_project.Sidebridge.conf ${D}${datadir}/dbus-1/system.d/",
        "deploy/dbus/sidebridge-dbus.conf ${D}${systemd_system_unitdir}/sidebridge.service.d/dbus.conf",
        "${datadir}/dbus-1/system.d/xyz.openbmc_project.Sidebridge.conf",
        "${systemd_system_unitdir}/sidebridge.service.d/dbus.conf",
    ] {
        assert!(recipe.contains(needle), "recipe: missing {needle:?}");
    }
    let installed = Config::load(&deploy("config/netlink.toml")).unwrap();
    assert!(installed.dbus.enabled);
    let dropin = std::fs::read_to_string(deploy("dbus/sidebridge-dbus.conf")).unwrap();
    assert!(dropin.lines().any(|l| l == "Type=dbus"));
    assert!(
        dropin
            .lines()
            .any(|l| l == format!("BusName={}", installed.dbus.name)),
        "{dropin}"
    );
    let policy =
        std::fs::read_to_string(deploy("dbus/xyz.openbmc_project.Sidebridge.conf")).unwrap();
    assert!(policy.contains(&format!("<allow own=\"{}\"/>", installed.dbus.name)));
}

/// The agent's start-up failures name the key: a tty that does not exist, AF_MCTP on
/// a kernel without it, a card URL without its trust.
#[test]
fn agent_startup_failures_say_what_to_fix() {
    let card = "[card]\nurl = \"http://127.0.0.1:9\"\ninsecure_plain_http = true\n";
    let (ok, err) = start_with(
        "agent",
        &format!("{card}[mctp]\nserial = \"/dev/sb-no-such-tty\"\n"),
    );
    assert!(!ok);
    assert!(
        err.contains("mctp.serial: cannot open /dev/sb-no-such-tty"),
        "{err}"
    );
    if sidebridge_transport::mctp::af_mctp::probe().is_err() {
        let (ok, err) = start_with("agent", &format!("{card}[mctp]\nnet = 1\n"));
        assert!(!ok);
        assert!(
            err.contains("mctp.net:") && err.contains("AF_MCTP"),
            "{err}"
        );
    }
    let (ok, err) = start_with(
        "agent",
        "[card]\nurl = \"http://127.0.0.1:9\"\n[mctp]\nserial = \"/dev/null\"\n",
    );
    assert!(!ok);
    assert!(err.contains("set insecure_plain_http = true"), "{err}");
    // Plain HTTP is allowed when asked for, and said loudly.
    let (_, err) = start_with(
        "agent",
        &format!("{card}[mctp]\nserial = \"/dev/sb-no-such-tty\"\n"),
    );
    assert!(err.contains("WARNING: insecure_plain_http"), "{err}");
}

/// The generated certificate is valid for ten years from today (not rcgen's default
/// 1975–4096) and names this host, read back with Python's own X.509 decoder.
#[test]
fn the_generated_certificate_is_named_and_expires() {
    let dir = common::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    sidebridge::daemon::tls_config(&dir, None).unwrap();
    let cert = dir.join("tls/cert.pem");
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, ssl, sys; print(json.dumps(ssl._ssl._test_decode_cert(sys.argv[1])))",
        ])
        .arg(&cert)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let year = |field: &str| -> i32 {
        v[field]
            .as_str()
            .unwrap()
            .split_whitespace()
            .rev()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap()
    };
    let now: i32 = sidebridge::redfish::mapping::rfc3339(std::time::SystemTime::now())[..4]
        .parse()
        .unwrap();
    assert_eq!(year("notBefore"), now, "{v}");
    assert_eq!(year("notAfter"), now + 10, "{v}");
    assert!(v["subject"].to_string().contains("(sidebridge)"), "{v}");
    assert!(v["subjectAltName"].to_string().contains("localhost"), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The recipe `require`s `sidebridge-crates.inc`: one crate:// line and one sha256sum per
/// crates.io package of Cargo.lock, as poky's cargo-update-recipe-crates class writes
/// it. Regenerate with `python3 deploy/openbmc/update-crates.py` when this fails.
#[test]
fn the_recipes_crate_list_matches_cargo_lock() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.lock")).unwrap()).unwrap();
    let mut uris = String::new();
    let mut sums = String::new();
    let mut n = 0;
    for p in lock["package"].as_array().unwrap() {
        if !p
            .get("source")
            .and_then(|s| s.as_str())
            .is_some_and(|s| s.contains("crates.io"))
        {
            continue;
        }
        let (name, version) = (p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
        let key = format!("{name}-{version}");
        uris.push_str(&format!(
            "\n    crate://crates.io/{name}/{version};name={key} \\"
        ));
        let sum = p["checksum"]
            .as_str()
            .expect("a crates.io package has a checksum");
        sums.push_str(&format!("\nSRC_URI[{key}.sha256sum] = \"{sum}\""));
        n += 1;
    }
    let want = format!(
        "# Autogenerated with 'bitbake -c update_crates sidebridge'\n\n# from Cargo.lock\nSRC_URI += \" \\{uris}\n\"\n{sums}\n"
    );
    let have = std::fs::read_to_string(deploy("openbmc/sidebridge-crates.inc")).unwrap();
    assert!(
        have == want,
        "deploy/openbmc/sidebridge-crates.inc is out of date with Cargo.lock ({n} crates): run python3 deploy/openbmc/update-crates.py"
    );
    // And the recipe takes it.
    let recipe = std::fs::read_to_string(deploy("openbmc/sidebridge.bb")).unwrap();
    assert!(recipe.contains("require ${BPN}-crates.inc"));
}
