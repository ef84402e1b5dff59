//! The cards on D-Bus: a private dbus-daemon (its own configuration, a system-bus-like
//! policy plus the policy file we ship), the daemon on the two-DPU simulator publishing
//! on it, and `busctl` and a zbus client looking. No bus of the machine is touched.
#![cfg(feature = "dbus")]

mod common;
mod spdm;

use serde_json::Value;
use sidebridge::dbus::{self, Paths};
use sidebridge_protocol::oem::{BootEnabled, BootTarget, MediaSlot, MediaState, PowerState};
use sidebridge_protocol::text;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const NAME: &str = "xyz.openbmc_project.Sidebridge";

/// Whether this machine can run the test; else why not. Under `CI=true` a missing
/// tool fails the test instead.
fn tools() -> Result<(), String> {
    for t in ["dbus-daemon", "busctl"] {
        let ok = Command::new(t)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("{t} is not installed"));
        }
    }
    Ok(())
}

fn skip_or_fail(why: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("the D-Bus test cannot run under CI=true: {why}");
    }
    eprintln!("skipped: {why}");
}

/// A private dbus-daemon, killed on drop.
struct Bus {
    child: Child,
    address: String,
    dir: PathBuf,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The real user id, from /proc (no unsafe in the tests).
fn uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .expect("the uid in /proc/self/status")
}

fn is_root() -> bool {
    uid() == 0
}

/// Starts a dbus-daemon with a policy like a system bus's: nobody owns a name or
/// calls a method unless a policy allows it. Ours (deploy/dbus/…conf) is included as
/// shipped; when the test is not root, the current user gets the rights root has in it.
fn start_bus() -> Bus {
    let dir = common::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let policy = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy/dbus/xyz.openbmc_project.Sidebridge.conf")
        .canonicalize()
        .unwrap();
    let me = if is_root() {
        String::new()
    } else {
        let uid = uid();
        format!(
            "<policy user=\"{uid}\"><allow own=\"{NAME}\"/><allow send_destination=\"{NAME}\"/></policy>"
        )
    };
    let conf = format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>{policy}</include>
  {me}
</busconfig>
"#,
        sock = dir.join("bus").display(),
        policy = policy.display(),
    );
    let conf_path = dir.join("bus.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let mut child = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", conf_path.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line.trim().to_string();
    assert!(address.starts_with("unix:"), "dbus-daemon said {line:?}");
    Bus {
        child,
        address,
        dir,
    }
}

/// `busctl --address=… ARGS`, its standard output, or its error message.
async fn busctl_as(bus: &str, user: Option<u32>, args: &[&str]) -> Result<String, String> {
    let mut cmd = match user {
        None => Command::new("busctl"),
        Some(uid) => {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={uid}"),
                &format!("--regid={uid}"),
                "--clear-groups",
                "busctl",
            ]);
            c
        }
    };
    cmd.arg(format!("--address={bus}"));
    cmd.args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("busctl runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

async fn busctl(bus: &str, args: &[&str]) -> Result<String, String> {
    busctl_as(bus, None, args).await
}

/// A property's value as JSON (`busctl --json=short get-property`).
async fn get(bus: &str, path: &str, iface: &str, prop: &str) -> Value {
    let out = busctl(
        bus,
        &["--json=short", "get-property", NAME, path, iface, prop],
    )
    .await
    .unwrap_or_else(|e| panic!("get {path} {iface}.{prop}: {e}"));
    serde_json::from_str::<Value>(&out).unwrap()["data"].clone()
}

async fn set(
    bus: &str,
    path: &str,
    iface: &str,
    prop: &str,
    sig: &str,
    v: &str,
) -> Result<(), String> {
    busctl(bus, &["set-property", NAME, path, iface, prop, sig, v])
        .await
        .map(|_| ())
}

/// The object paths published.
async fn tree(bus: &str) -> Vec<String> {
    busctl(bus, &["--list", "tree", NAME])
        .await
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Waits until `f` holds (30 s at most), polling.
async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every signal our daemon sends, as (path, interface.member, body as text).
type Signals = Arc<Mutex<Vec<(String, String, String)>>>;

async fn watch_signals(address: &str) -> (zbus::Connection, Signals) {
    use futures_util::StreamExt;
    let conn = zbus::connection::Builder::address(address)
        .unwrap()
        .build()
        .await
        .unwrap();
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .sender(NAME)
        .unwrap()
        .build();
    let mut stream = zbus::MessageStream::for_match_rule(rule, &conn, Some(1024))
        .await
        .unwrap();
    let seen: Signals = Arc::default();
    let out = seen.clone();
    tokio::spawn(async move {
        while let Some(Ok(m)) = stream.next().await {
            let h = m.header();
            let path = h.path().map(|p| p.to_string()).unwrap_or_default();
            let member = format!(
                "{}.{}",
                h.interface().map(|i| i.to_string()).unwrap_or_default(),
                h.member().map(|i| i.to_string()).unwrap_or_default()
            );
            let body = m
                .body()
                .deserialize::<zbus::zvariant::Structure<'_>>()
                .map(|s| format!("{s:?}"))
                .unwrap_or_default();
            out.lock().unwrap().push((path, member, body));
        }
    });
    (conn, seen)
}

fn saw(s: &Signals, f: impl Fn(&(String, String, String)) -> bool) -> bool {
    s.lock().unwrap().iter().any(f)
}

/// Publishes the daemon's cards on `conn` until the daemon stops.
fn publish(conn: zbus::Connection, r: &common::Running, settings: &dbus::Settings) {
    let mut stop = r.stop_rx.clone();
    tokio::spawn(dbus::run(
        conn,
        r.daemon.cards.clone(),
        settings.clone(),
        async move {
            let _ = stop.changed().await;
        },
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cards_on_d_bus() {
    if let Err(why) = tools() {
        return skip_or_fail(&why);
    }
    let bus = start_bus();
    let dir = common::temp_dir();
    let r = common::daemon(&dir).await;
    let settings = dbus::Settings {
        address: Some(bus.address.clone()),
        name: NAME.into(),
        chassis: Some("/xyz/openbmc_project/inventory/system/chassis/platform".into()),
        poll: Duration::from_millis(200),
    };
    let (_client, signals) = watch_signals(&bus.address).await;
    let conn = dbus::connect(&settings).await.expect("owns the name");
    // A second daemon cannot take the name.
    let e = dbus::connect(&settings).await.unwrap_err().to_string();
    assert!(
        e.contains("cannot own xyz.openbmc_project.Sidebridge"),
        "{e}"
    );
    publish(conn, &r, &settings);
    let a = &bus.address;
    let cards = r.daemon.cards.cards();
    assert_eq!(cards.len(), 2);
    let (id0, id1) = (cards[0].id.clone(), cards[1].id.clone());
    let (p0, p1) = (Paths::of(&id0), Paths::of(&id1));
    until("both cards on the bus", || async {
        let t = tree(a).await;
        t.contains(&p0.item) && t.contains(&p1.item) && t.contains(&p0.host)
    })
    .await;

    // The tree: the object managers, each card with its ports, firmware, settings,
    // state and media.
    let t = tree(a).await;
    for want in ["/xyz/openbmc_project", "/xyz/openbmc_project/inventory"] {
        assert!(t.iter().any(|p| p == want), "{want} missing from {t:?}");
    }
    let managed = busctl(
        a,
        &[
            "--json=short",
            "call",
            NAME,
            "/xyz/openbmc_project",
            "org.freedesktop.DBus.ObjectManager",
            "GetManagedObjects",
        ],
    )
    .await
    .unwrap();
    let managed: Value = serde_json::from_str(&managed).unwrap();
    let objects = managed["data"][0].as_object().unwrap();
    assert!(objects.contains_key(&p0.item), "{managed}");

    // Every card's values against the simulated card.
    for (n, card) in cards.iter().enumerate() {
        let p = Paths::of(&card.id);
        let (cfg, power, boot) = r.sim.with(|nc| {
            let c = nc.card(n as u8).unwrap();
            (c.config().clone(), c.power(), c.boot_override().clone())
        });
        let asset = "xyz.openbmc_project.Inventory.Decorator.Asset";
        for (prop, want) in [
            ("Manufacturer", &cfg.identity.manufacturer),
            ("Model", &cfg.identity.model),
            ("SerialNumber", &cfg.identity.serial),
            ("PartNumber", &cfg.identity.part_number),
        ] {
            assert_eq!(get(a, &p.item, asset, prop).await, *want, "{prop}");
        }
        let item = "xyz.openbmc_project.Inventory.Item";
        assert_eq!(get(a, &p.item, item, "Present").await, true);
        for (iface, prop) in [
            (
                "xyz.openbmc_project.State.Decorator.Availability",
                "Available",
            ),
            (
                "xyz.openbmc_project.State.Decorator.OperationalStatus",
                "Functional",
            ),
        ] {
            assert_eq!(get(a, &p.item, iface, prop).await, true, "{prop}");
        }
        assert_eq!(
            get(
                a,
                &p.item,
                "xyz.openbmc_project.Association.Definitions",
                "Associations"
            )
            .await,
            serde_json::json!([[
                "contained_by",
                "containing",
                "/xyz/openbmc_project/inventory/system/chassis/platform"
            ]])
        );
        // Ports: the NC's channels with their link speed and MAC.
        let ports = r.sim.with(|nc| nc.package(n as u8).unwrap().channels.len());
        assert_eq!(card.nic.ports.len(), ports);
        for port in &card.nic.ports {
            let pp = p.port(port.id);
            let speed = get(
                a,
                &pp,
                "xyz.openbmc_project.Inventory.Connector.Port",
                "Speed",
            )
            .await;
            let want = if port.link_up {
                u64::from(port.speed_mbps.unwrap()) * 1_000_000
            } else {
                0
            };
            assert_eq!(speed, want, "{pp}");
            let mac = get(
                a,
                &pp,
                "xyz.openbmc_project.Inventory.Item.NetworkInterface",
                "MACAddress",
            )
            .await;
            assert_eq!(mac, port.mac.map(|m| text::mac(&m)).unwrap_or_default());
        }
        // Firmware: the card's components, then the NC's, each associated with the card.
        for (k, f) in cfg.firmware.iter().enumerate() {
            let sp = p.software(k);
            let v = "xyz.openbmc_project.Software.Version";
            assert_eq!(get(a, &sp, v, "Version").await, f.version, "{sp}");
            let purpose = get(a, &sp, v, "Purpose").await;
            if f.name.to_ascii_lowercase().contains("bmc") {
                assert_eq!(purpose, format!("{v}.VersionPurpose.BMC"));
            }
            assert_eq!(
                get(
                    a,
                    &sp,
                    "xyz.openbmc_project.Association.Definitions",
                    "Associations"
                )
                .await,
                serde_json::json!([["running", "ran_on", p.item]])
            );
        }
        // State and boot override.
        let host = get(
            a,
            &p.host,
            "xyz.openbmc_project.State.Host",
            "CurrentHostState",
        )
        .await;
        let want = if power == PowerState::On {
            "Running"
        } else {
            "Off"
        };
        assert_eq!(
            host,
            format!("xyz.openbmc_project.State.Host.HostState.{want}")
        );
        let enabled = get(a, &p.boot, "xyz.openbmc_project.Object.Enable", "Enabled").await;
        assert_eq!(enabled, boot.enabled != BootEnabled::Disabled);
    }

    // A boot source over D-Bus reaches the card: as bmcweb writes it, the source first
    // (kept while the override is disabled), then the override enabled, one time.
    let b = &p0.boot;
    set(
        a,
        b,
        "xyz.openbmc_project.Control.Boot.Source",
        "BootSource",
        "s",
        "xyz.openbmc_project.Control.Boot.Source.Sources.Network",
    )
    .await
    .unwrap();
    set(
        a,
        b,
        "xyz.openbmc_project.Object.Enable",
        "Enabled",
        "b",
        "true",
    )
    .await
    .unwrap();
    let o = r.sim.with(|nc| nc.card(0).unwrap().boot_override().clone());
    assert_eq!((o.target, o.enabled), (BootTarget::Pxe, BootEnabled::Once));
    // Continuous, then the BIOS setup mode.
    set(
        a,
        &p0.one_time,
        "xyz.openbmc_project.Object.Enable",
        "Enabled",
        "b",
        "false",
    )
    .await
    .unwrap();
    set(
        a,
        b,
        "xyz.openbmc_project.Control.Boot.Mode",
        "BootMode",
        "s",
        "xyz.openbmc_project.Control.Boot.Mode.Modes.Setup",
    )
    .await
    .unwrap();
    let o = r.sim.with(|nc| nc.card(0).unwrap().boot_override().clone());
    assert_eq!(
        (o.target, o.enabled),
        (BootTarget::BiosSetup, BootEnabled::Continuous)
    );
    until("the override's changes signalled", || async {
        saw(&signals, |(p, m, body)| {
            p == b
                && m == "org.freedesktop.DBus.Properties.PropertiesChanged"
                && body.contains("Modes.Setup")
        })
    })
    .await;
    // A value outside the enumeration is refused and changes nothing.
    let e = set(
        a,
        b,
        "xyz.openbmc_project.Control.Boot.Source",
        "BootSource",
        "s",
        "xyz.openbmc_project.Control.Boot.Source.Sources.Floppy",
    )
    .await
    .unwrap_err();
    assert!(
        e.contains("is not a xyz.openbmc_project.Control.Boot.Source.Sources value"),
        "{e}"
    );
    assert_eq!(
        r.sim.with(|nc| nc.card(0).unwrap().boot_override().target),
        BootTarget::BiosSetup
    );

    // Only root (or priv-admin) may change a card; anyone may read.
    if is_root() {
        let nobody = Some(65534);
        let read = busctl_as(
            a,
            nobody,
            &[
                "get-property",
                NAME,
                &p0.item,
                "xyz.openbmc_project.Inventory.Item",
                "Present",
            ],
        )
        .await;
        assert_eq!(read.as_deref(), Ok("b true\n"));
        let write = busctl_as(
            a,
            nobody,
            &[
                "set-property",
                NAME,
                b,
                "xyz.openbmc_project.Object.Enable",
                "Enabled",
                "b",
                "false",
            ],
        )
        .await
        .unwrap_err();
        assert!(
            write.contains("denied") || write.contains("Access"),
            "{write}"
        );
        assert_eq!(
            r.sim.with(|nc| nc.card(0).unwrap().boot_override().enabled),
            BootEnabled::Continuous
        );
    }

    // Power off through State.Chassis: the card turns its host off, and the change
    // comes back as PropertiesChanged on the host and chassis objects.
    set(
        a,
        &p0.chassis,
        "xyz.openbmc_project.State.Chassis",
        "RequestedPowerTransition",
        "s",
        "xyz.openbmc_project.State.Chassis.Transition.Off",
    )
    .await
    .unwrap();
    until("the card's host off", || async {
        r.sim.with(|nc| nc.card(0).unwrap().power()) == PowerState::Off
    })
    .await;
    until("CurrentHostState Off signalled", || async {
        saw(&signals, |(p, _, body)| {
            p == &p0.host && body.contains("HostState.Off")
        })
    })
    .await;
    assert_eq!(
        get(
            a,
            &p0.chassis,
            "xyz.openbmc_project.State.Chassis",
            "CurrentPowerState"
        )
        .await,
        "xyz.openbmc_project.State.Chassis.PowerState.Off"
    );
    assert_ne!(
        get(
            a,
            &p0.chassis,
            "xyz.openbmc_project.State.Chassis",
            "LastStateChangeTime"
        )
        .await,
        0
    );

    // A link going down is a card event too: the port's speed drops to 0.
    r.sim.control(sidebridge_sim::Control::Link {
        package: 1,
        channel: 0,
        up: false,
    });
    let port = p1.port(0);
    until("port speed 0 signalled", || async {
        saw(&signals, |(p, m, body)| {
            p == &port && m.ends_with("PropertiesChanged") && body.contains("Speed")
        })
    })
    .await;
    assert_eq!(
        get(
            a,
            &port,
            "xyz.openbmc_project.Inventory.Connector.Port",
            "Speed"
        )
        .await,
        0
    );

    // Virtual media through VirtualMedia.Legacy: Mount returns once the card accepted
    // it, Completion follows with 0 when the card attached it.
    let media = p1.media(MediaSlot::Cd);
    let out = busctl(
        a,
        &[
            // `-1` is an argument, not an option.
            "--",
            "call",
            NAME,
            &media,
            "xyz.openbmc_project.VirtualMedia.Legacy",
            "Mount",
            "sbv",
            "https://127.0.0.1/images/boot.iso",
            "false",
            "i",
            "-1",
        ],
    )
    .await
    .unwrap();
    assert_eq!(out.trim(), "b true");
    until("the image attached", || async {
        r.sim
            .with(|nc| nc.card(1).unwrap().media(MediaSlot::Cd).state)
            == MediaState::Inserted
    })
    .await;
    until("Completion signalled", || async {
        saw(&signals, |(p, m, body)| {
            p == &media && m.ends_with("Legacy.Completion") && body.contains('0')
        })
    })
    .await;
    until("the mount point shows the image", || async {
        get(
            a,
            &media,
            "xyz.openbmc_project.VirtualMedia.MountPoint",
            "ImageURL",
        )
        .await
            == "https://127.0.0.1/images/boot.iso"
    })
    .await;
    let bad = busctl(
        a,
        &[
            "call",
            NAME,
            &media,
            "xyz.openbmc_project.VirtualMedia.Legacy",
            "Mount",
            "sbv",
            "https://127.0.0.1/x.iso",
            "false",
            "s",
            "nope",
        ],
    )
    .await
    .unwrap_err();
    assert!(bad.contains("FileDescriptor"), "{bad}");

    // The card's sensors (Sensor/Value.interface.yaml): each under its type's
    // namespace with the reading the card layer holds, its unit, its thresholds, and
    // the alarm once the card reads past one.
    let nic_temp = p0.sensor("temperature", "nic_temp");
    let volts = p0.sensor("voltage", "vdd_12v");
    assert_eq!(
        nic_temp,
        format!(
            "/xyz/openbmc_project/sensors/temperature/{}_nic_5ftemp",
            dbus::label(&id0)
        )
    );
    until("sensors on the bus", || async {
        let t = tree(a).await;
        t.contains(&nic_temp) && t.contains(&volts)
    })
    .await;
    let held = |name: &str| {
        let c = r.daemon.cards.card(&id0).unwrap();
        let s = c.sensors.as_ref().unwrap();
        let s = s.sensors.iter().find(|x| x.name == name).unwrap();
        f64::from(s.reading.unwrap()) / 1000.0
    };
    let value = get(a, &nic_temp, "xyz.openbmc_project.Sensor.Value", "Value").await;
    assert_eq!(value.as_f64(), Some(held("nic_temp")));
    assert_eq!(
        get(a, &nic_temp, "xyz.openbmc_project.Sensor.Value", "Unit").await,
        "xyz.openbmc_project.Sensor.Value.Unit.DegreesC"
    );
    assert_eq!(
        get(a, &volts, "xyz.openbmc_project.Sensor.Value", "Unit").await,
        "xyz.openbmc_project.Sensor.Value.Unit.Volts"
    );
    let warn = "xyz.openbmc_project.Sensor.Threshold.Warning";
    let crit = "xyz.openbmc_project.Sensor.Threshold.Critical";
    assert_eq!(
        get(a, &nic_temp, warn, "WarningHigh").await.as_f64(),
        Some(85.0)
    );
    assert_eq!(
        get(a, &nic_temp, crit, "CriticalHigh").await.as_f64(),
        Some(95.0)
    );
    assert_eq!(
        get(a, &volts, crit, "CriticalLow").await.as_f64(),
        Some(11.4)
    );
    assert_eq!(get(a, &nic_temp, warn, "WarningAlarmHigh").await, false);
    let assoc = get(
        a,
        &nic_temp,
        "xyz.openbmc_project.Association.Definitions",
        "Associations",
    )
    .await;
    assert!(assoc.to_string().contains(&p0.item), "{assoc}");
    let sm = busctl(
        a,
        &[
            "--json=short",
            "call",
            NAME,
            "/xyz/openbmc_project/sensors",
            "org.freedesktop.DBus.ObjectManager",
            "GetManagedObjects",
        ],
    )
    .await
    .unwrap();
    assert!(sm.contains(&nic_temp), "{sm}");
    // The card reads about 90 °C (its reading moves 1.5 °C at most either way): past
    // the caution threshold (85), not the critical one (95).
    let offset = ((90.0 - held("nic_temp")) * 1000.0) as i32;
    r.sim
        .with(|nc| nc.card_mut(0).unwrap().set_sensor_offset(0, offset));
    r.daemon.cards.refresh(&id0).await.unwrap();
    until("the warning alarm", || async {
        get(a, &nic_temp, warn, "WarningAlarmHigh").await == true
    })
    .await;
    assert_eq!(get(a, &nic_temp, crit, "CriticalAlarmHigh").await, false);
    assert_eq!(
        get(a, &nic_temp, "xyz.openbmc_project.Sensor.Value", "Value")
            .await
            .as_f64(),
        Some(held("nic_temp"))
    );
    until(
        "PropertiesChanged and WarningHighAlarmAsserted for the alarm",
        || async {
            saw(&signals, |(path, m, body)| {
                path == &nic_temp
                    && m == "org.freedesktop.DBus.Properties.PropertiesChanged"
                    && body.contains("WarningAlarmHigh")
            }) && saw(&signals, |(path, m, _)| {
                path == &nic_temp
                    && m == "xyz.openbmc_project.Sensor.Threshold.Warning.WarningHighAlarmAsserted"
            })
        },
    )
    .await;
    assert!(!saw(&signals, |(path, m, _)| {
        path == &nic_temp && m.ends_with("CriticalHighAlarmAsserted")
    }));
    r.sim
        .with(|nc| nc.card_mut(0).unwrap().set_sensor_offset(0, 0));
    r.daemon.cards.refresh(&id0).await.unwrap();
    until("WarningHighAlarmDeasserted once it reads normal again", || async {
        saw(&signals, |(path, m, _)| {
            path == &nic_temp
                && m == "xyz.openbmc_project.Sensor.Threshold.Warning.WarningHighAlarmDeasserted"
        })
    })
    .await;

    // The package vanishes (the active one: the manager sees it at once and fails
    // over): its card's objects are removed, and come back with it.
    r.sim.control(sidebridge_sim::Control::Present {
        package: 0,
        present: false,
    });
    until("card 0 removed", || async {
        !tree(a).await.contains(&p0.item)
    })
    .await;
    assert!(!tree(a).await.contains(&nic_temp), "its sensors go with it");
    assert!(saw(&signals, |(_, m, body)| {
        m == "org.freedesktop.DBus.ObjectManager.InterfacesRemoved" && body.contains(&p0.item)
    }));
    assert!(tree(a).await.contains(&p1.item), "card 1 stays");
    r.sim.control(sidebridge_sim::Control::Present {
        package: 0,
        present: true,
    });
    until("card 0 back", || async { tree(a).await.contains(&p0.item) }).await;
    assert!(saw(&signals, |(_, m, body)| {
        m == "org.freedesktop.DBus.ObjectManager.InterfacesAdded" && body.contains(&p0.item)
    }));

    let _ = r.stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A card authenticated with SPDM (DMTF's reference responder as its NIC) appears as
/// `ComponentIntegrity/<card>` with the Attestation interfaces bmcweb reads, and its
/// verification status follows the card layer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_authentication_on_d_bus() {
    if let Err(why) = tools() {
        return skip_or_fail(&why);
    }
    let Some(emu_dir) = spdm::emulator_dir() else {
        return;
    };
    let bus = start_bus();
    let dir = common::temp_dir();
    let r = common::daemon(&dir).await;
    let settings = dbus::Settings {
        address: Some(bus.address.clone()),
        name: NAME.into(),
        chassis: None,
        poll: Duration::from_millis(200),
    };
    let conn = dbus::connect(&settings).await.expect("owns the name");
    publish(conn, &r, &settings);
    let emu = spdm::Emulator::start(&emu_dir, &[]).await;
    let (link, _ep) = emu.link().await;
    r.daemon.cards.add_spdm(sidebridge::spdm::SpdmTarget {
        package: 0,
        link: Arc::new(link),
        anchors: sidebridge::spdm::load_anchors(&[emu.sample("ecp384/ca.cert")]).unwrap(),
        mode: sidebridge::spdm::Mode::Require,
        slot: 0,
        period: Duration::from_secs(3600),
        timeout: Duration::from_secs(10),
        reference: None,
        pin: None,
    });
    r.daemon.cards.authenticate("DPU0000A1").await.unwrap();
    let a = &bus.address;
    let p = Paths::of("DPU0000A1");
    let path = p.integrity();
    let ia = "xyz.openbmc_project.Attestation.IdentityAuthentication";
    until("the card's component integrity on the bus", || async {
        tree(a).await.contains(&path)
            && get(a, &path, ia, "ResponderVerificationStatus").await
                == format!("{ia}.VerificationStatus.Success")
    })
    .await;
    let ci = "xyz.openbmc_project.Attestation.ComponentIntegrity";
    assert_eq!(
        get(a, &path, ci, "Type").await,
        format!("{ci}.SecurityTechnologyType.SPDM")
    );
    assert_eq!(get(a, &path, ci, "TypeVersion").await, "1.3");
    assert_eq!(get(a, &path, ci, "Enabled").await, true);
    assert!(get(a, &path, ci, "LastUpdated").await.as_u64().unwrap() > 1_700_000_000);
    let assoc = get(
        a,
        &path,
        "xyz.openbmc_project.Association.Definitions",
        "Associations",
    )
    .await;
    assert_eq!(
        assoc,
        serde_json::json!([["protecting", "protected_by", p.item]])
    );
    // The other card has no responder: nothing published for it.
    assert!(!tree(a).await.contains(&Paths::of("DPU0000B2").integrity()));
}
