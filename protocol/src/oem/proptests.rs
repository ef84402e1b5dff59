//! Property tests for the OEM codec: round trips, chunking, and no panics.

use super::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~éü]{{0,{max}}}")).unwrap()
}

fn u8_enum<T: From<u8> + core::fmt::Debug>() -> impl Strategy<Value = T> {
    any::<u8>().prop_map(T::from)
}

fn boot_override() -> impl Strategy<Value = BootOverride> {
    (u8_enum(), u8_enum(), u8_enum(), text(300)).prop_map(|(target, enabled, mode, uri)| {
        BootOverride {
            target,
            enabled,
            mode,
            uri,
        }
    })
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    vec(("[A-Za-z-]{1,20}", "[ -~]{0,60}"), 0..=MAX_HEADERS)
}

fn tunnel_request() -> impl Strategy<Value = TunnelRequest> {
    (
        u8_enum(),
        u8_enum(),
        "/redfish/v1(/[A-Za-z0-9.]{1,12}){0,6}(\\?[a-z$=*]{0,20})?",
        headers(),
        vec(any::<u8>(), 0..3000),
    )
        .prop_map(|(method, role, path, headers, body)| TunnelRequest {
            method,
            role,
            path,
            headers,
            body,
        })
}

fn tunnel_response() -> impl Strategy<Value = TunnelResponse> {
    (100u16..600, headers(), vec(any::<u8>(), 0..3000)).prop_map(|(status, headers, body)| {
        TunnelResponse {
            status,
            headers,
            body,
        }
    })
}

fn bios_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_]{1,64}"
}

fn bios_value() -> impl Strategy<Value = BiosValue> {
    prop_oneof![
        text(40).prop_map(BiosValue::Enumeration),
        text(40).prop_map(BiosValue::String),
        any::<i64>().prop_map(BiosValue::Integer),
        any::<bool>().prop_map(BiosValue::Boolean),
    ]
}

/// An attribute whose value in force, and a second value (for pending), are values
/// of its definition (§4.25).
fn bios_attribute() -> impl Strategy<Value = (BiosAttribute, BiosValue)> {
    let enumeration = vec(text(20), 1..=MAX_BIOS_VALUES).prop_flat_map(|values| {
        let n = values.len();
        (Just(values), 0..n, 0..n).prop_map(|(values, a, b)| {
            (
                BiosKind::Enumeration(values.clone()),
                BiosValue::Enumeration(values[a].clone()),
                BiosValue::Enumeration(values[b].clone()),
            )
        })
    });
    let string = (text(30), text(30)).prop_map(|(a, b)| {
        (
            BiosKind::String(255),
            BiosValue::String(a),
            BiosValue::String(b),
        )
    });
    let integer =
        (any::<i64>(), any::<i64>(), any::<u8>(), any::<u8>()).prop_map(|(x, y, a, b)| {
            let (lo, hi) = (x.min(y), x.max(y));
            let pick = |k: u8| if k % 2 == 0 { lo } else { hi };
            (
                BiosKind::Integer(lo, hi),
                BiosValue::Integer(pick(a)),
                BiosValue::Integer(pick(b)),
            )
        });
    let boolean = (any::<bool>(), any::<bool>()).prop_map(|(a, b)| {
        (
            BiosKind::Boolean,
            BiosValue::Boolean(a),
            BiosValue::Boolean(b),
        )
    });
    (
        bios_name(),
        any::<bool>(),
        prop_oneof![enumeration, string, integer, boolean],
    )
        .prop_map(|(name, read_only, (kind, value, other))| {
            (
                BiosAttribute {
                    name,
                    kind,
                    read_only,
                    value,
                },
                other,
            )
        })
}

/// GetBios's body with unique names and some attributes pending (§4.25).
fn bios() -> impl Strategy<Value = Bios> {
    (vec((bios_attribute(), any::<bool>()), 0..=12), text(40)).prop_map(|(list, registry)| {
        let mut b = Bios {
            registry,
            ..Bios::default()
        };
        for ((a, other), pend) in list {
            if b.attributes.iter().any(|x| x.name == a.name) {
                continue;
            }
            if pend {
                b.pending.push((b.attributes.len() as u8, other));
            }
            b.attributes.push(a);
        }
        b
    })
}

/// A settings block of `p` ports and `f` functions (§4.23).
fn adapter_settings(p: usize, f: usize) -> impl Strategy<Value = AdapterSettings> {
    (
        any::<bool>(),
        vec(
            (any::<bool>(), any::<u32>()).prop_map(|(autoneg, speed_mbps)| PortSettings {
                autoneg,
                speed_mbps,
            }),
            p,
        ),
        vec(
            (any::<bool>(), 0u8..=5).prop_map(|(enabled, m)| FunctionSettings {
                enabled,
                boot_mode: m.into(),
            }),
            f,
        ),
    )
        .prop_map(|(npar, ports, functions)| AdapterSettings {
            npar,
            ports,
            functions,
        })
}

/// GetNetworkAdapter's body (§4.23) with both settings blocks shaped to its lists.
fn network_adapter() -> impl Strategy<Value = NetworkAdapter> {
    let port = (
        any::<u8>(),
        any::<bool>(),
        proptest::option::of((
            u8_enum(),
            u8_enum(),
            proptest::option::of(any::<[u32; 4]>()),
        )),
        vec(any::<u32>(), 0..=MAX_SPEEDS),
    )
        .prop_map(|(channel, autoneg_capable, t, speeds_mbps)| AdapterPort {
            channel,
            autoneg_capable,
            transceiver: t.map(|(kind, medium, d)| Transceiver {
                kind,
                medium,
                diagnostics: d.map(|d| Diagnostics {
                    rx_power_uw: d[0],
                    tx_power_uw: d[1],
                    tx_bias_ua: d[2],
                    supply_mv: d[3],
                }),
            }),
            speeds_mbps,
        });
    let function = (
        proptest::option::of(0u8..NO_PORT),
        any::<u8>(),
        0u8..0x20,
        0u8..0x20,
        any::<bool>(),
        any::<u16>(),
        any::<[u8; 6]>(),
    )
        .prop_map(
            |(port, pcie_function, technologies, boot_modes, vfs_enabled, max_vfs, mac)| {
                AdapterFunction {
                    port,
                    pcie_function,
                    technologies,
                    boot_modes,
                    vfs_enabled,
                    max_vfs,
                    mac,
                }
            },
        );
    (
        vec(port, 0..=MAX_ADAPTER_PORTS),
        vec(function, 0..=MAX_FUNCTIONS),
        any::<[bool; 4]>(),
        any::<[u8; 5]>(),
        0u32..0x0100_0000,
        any::<[u16; 3]>(),
        text(40),
    )
        .prop_flat_map(|(ports, functions, flags, bytes, class_code, vfs, sku)| {
            let (p, f) = (ports.len(), functions.len());
            (
                adapter_settings(p, f),
                proptest::option::of(adapter_settings(p, f)),
            )
                .prop_map(move |(current, pending)| NetworkAdapter {
                    npar_capable: flags[0],
                    sriov_capable: flags[1],
                    sriov_vepa_capable: flags[2],
                    pcie: PcieLink {
                        generation: bytes[0],
                        max_generation: bytes[1],
                        lanes: bytes[2],
                        max_lanes: bytes[3],
                    },
                    revision_id: bytes[4],
                    class_code,
                    max_vfs: vfs[0],
                    max_vfs_per_port: vfs[1],
                    vf_group: vfs[2],
                    sku: sku.clone(),
                    ports: ports.clone(),
                    functions: functions.clone(),
                    current,
                    pending: if flags[3] { pending } else { None },
                })
        })
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        (any::<u8>(), any::<u8>()).prop_map(|(min_version, max_version)| Request::GetBridgeInfo {
            min_version,
            max_version
        }),
        Just(Request::GetBootOverride),
        boot_override().prop_map(Request::SetBootOverride),
        Just(Request::GetPowerState),
        u8_enum().prop_map(Request::Reset),
        (
            u8_enum(),
            any::<bool>(),
            u8_enum(),
            text(300),
            text(40),
            text(40)
        )
            .prop_map(
                |(slot, write_protected, protocol, image, username, password)| {
                    Request::VirtualMediaInsert(MediaInsert {
                        slot,
                        write_protected,
                        protocol,
                        image,
                        username,
                        password,
                    })
                }
            ),
        u8_enum().prop_map(Request::VirtualMediaEject),
        u8_enum().prop_map(Request::VirtualMediaStatus),
        Just(Request::GetFirmwareInventory),
        Just(Request::GetNetworkIdentity),
        Just(Request::GetHostInventory),
        Just(Request::GetBootProgress),
        any::<u32>().prop_map(|sequence| Request::GetOperationStatus { sequence }),
        any::<u32>().prop_map(|offset| Request::ReadResult { offset }),
        Just(Request::GetAllowableValues),
        Just(Request::GetSystemSettings),
        (
            proptest::option::of(text(MAX_ASSET_TAG_LEN / 2)),
            proptest::option::of(u8_enum()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(u8_enum()),
        )
            .prop_map(
                |(asset_tag, indicator, watchdog_enabled, watchdog_action)| {
                    Request::SetSystemSettings(SystemSettingsUpdate {
                        asset_tag,
                        indicator,
                        watchdog_enabled,
                        watchdog_action,
                    })
                }
            ),
        u8_enum().prop_map(Request::ResetManager),
        tunnel_request().prop_map(Request::Redfish),
        Just(Request::GetManagerNetwork),
        Just(Request::GetSensors),
        (
            proptest::option::of(text(40)),
            proptest::option::of(text(40)),
            proptest::option::of(vec(text(20), 0..=MAX_NAME_SERVERS)),
            proptest::option::of(any::<bool>()),
            proptest::option::of(vec(
                (any::<[u8; 4]>(), any::<u8>(), any::<[u8; 4]>()).prop_map(
                    |(address, prefix, gateway)| StaticIpv4 {
                        address,
                        prefix,
                        gateway
                    }
                ),
                0..=MAX_ADDRESSES
            )),
        )
            .prop_map(
                |(host_name, domain_name, name_servers, dhcpv4, static_ipv4)| {
                    Request::SetManagerNetwork(ManagerNetworkUpdate {
                        host_name,
                        domain_name,
                        name_servers,
                        dhcpv4,
                        static_ipv4,
                    })
                }
            ),
        Just(Request::GetNetworkAdapter),
        (0..=MAX_ADAPTER_PORTS, 0..=MAX_FUNCTIONS)
            .prop_flat_map(|(p, f)| proptest::option::of(adapter_settings(p, f)))
            .prop_map(Request::SetAdapterSettings),
        Just(Request::GetBios),
        proptest::option::of(vec(
            (bios_name(), bios_value()).prop_map(|(name, value)| BiosChange { name, value }),
            0..=8
        ))
        .prop_map(Request::SetBiosSettings),
        // 0x14 to 0x16 are OEM set 1.3's, 0x17 to 0x1A 1.4's.
        ((0x1Bu8..), vec(any::<u8>(), 0..64))
            .prop_map(|(command, message)| Request::Unknown { command, message }),
    ]
}

fn ok_body() -> impl Strategy<Value = (CommandId, ResponseBody)> {
    prop_oneof![
        (
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            any::<u32>(),
            any::<[u8; 16]>(),
            text(40),
            text(40),
            text(40),
            text(40),
            text(40)
        )
            .prop_map(
                |(
                    min_version,
                    max_version,
                    max_chunk,
                    capabilities,
                    uuid,
                    manufacturer,
                    model,
                    serial,
                    part_number,
                    firmware_version,
                )| {
                    (
                        CommandId::GetBridgeInfo,
                        ResponseBody::BridgeInfo(BridgeInfo {
                            min_version,
                            max_version,
                            max_chunk,
                            capabilities,
                            uuid,
                            manufacturer,
                            model,
                            serial,
                            part_number,
                            firmware_version,
                        }),
                    )
                }
            ),
        boot_override().prop_map(|o| (CommandId::GetBootOverride, ResponseBody::BootOverride(o))),
        Just((CommandId::SetBootOverride, ResponseBody::Empty)),
        Just((CommandId::Reset, ResponseBody::Empty)),
        u8_enum().prop_map(|p| (CommandId::GetPowerState, ResponseBody::PowerState(p))),
        (u8_enum(), u8_enum(), any::<bool>(), u8_enum(), text(300)).prop_map(
            |(slot, state, write_protected, protocol, image)| {
                (
                    CommandId::VirtualMediaStatus,
                    ResponseBody::MediaStatus(MediaStatus {
                        slot,
                        state,
                        write_protected,
                        protocol,
                        image,
                    }),
                )
            }
        ),
        vec((text(20), text(20), any::<bool>()), 0..20).prop_map(|v| {
            (
                CommandId::GetFirmwareInventory,
                ResponseBody::FirmwareInventory(
                    v.into_iter()
                        .map(|(name, version, updateable)| FirmwareComponent {
                            name,
                            version,
                            updateable,
                        })
                        .collect(),
                ),
            )
        }),
        (
            text(40),
            vec(any::<[u8; 6]>(), 0..4),
            vec(any::<([u8; 4], u8)>(), 0..4),
            vec(any::<([u8; 16], u8)>(), 0..4)
        )
            .prop_map(|(host_name, macs, ipv4, ipv6)| {
                (
                    CommandId::GetNetworkIdentity,
                    ResponseBody::NetworkIdentity(NetworkIdentity {
                        host_name,
                        macs,
                        ipv4,
                        ipv6,
                    }),
                )
            }),
        (
            any::<u64>(),
            vec(
                (u8_enum(), any::<(u16, u16, u16)>(), text(30), text(30)).prop_map(
                    |(instruction_set, (cores, threads, max_speed_mhz), manufacturer, model)| {
                        Processor {
                            instruction_set,
                            cores,
                            threads,
                            max_speed_mhz,
                            manufacturer,
                            model,
                        }
                    }
                ),
                0..4
            ),
            vec(
                (
                    any::<[u8; 6]>(),
                    any::<(bool, bool, u32)>(),
                    0u8..0xFF,
                    any::<bool>()
                )
                    .prop_map(|(mac, (enabled, link_up, speed_mbps), p, has)| {
                        HostInterface {
                            mac,
                            enabled,
                            link_up,
                            speed_mbps,
                            port: has.then_some(p),
                        }
                    }),
                0..4
            ),
            vec(
                (any::<u64>(), u8_enum(), u8_enum(), text(30), text(30)).prop_map(
                    |(capacity_bytes, media, protocol, model, serial)| Drive {
                        capacity_bytes,
                        media,
                        protocol,
                        model,
                        serial,
                    }
                ),
                0..4
            )
        )
            .prop_map(|(memory_mib, processors, interfaces, drives)| {
                (
                    CommandId::GetHostInventory,
                    ResponseBody::HostInventory(HostInventory {
                        memory_mib,
                        processors,
                        interfaces,
                        drives,
                    }),
                )
            }),
        (
            any::<[u8; 16]>(),
            any::<[bool; 4]>(),
            any::<u32>(),
            any::<[u8; 6]>(),
            (text(40), text(40)),
            vec(
                (any::<[u8; 4]>(), any::<u8>(), u8_enum(), any::<[u8; 4]>()).prop_map(
                    |(address, prefix, origin, gateway)| Ipv4Address {
                        address,
                        prefix,
                        origin,
                        gateway
                    }
                ),
                0..=MAX_ADDRESSES
            ),
            vec(
                (any::<[u8; 16]>(), any::<u8>(), u8_enum(), u8_enum()).prop_map(
                    |(address, prefix, origin, state)| Ipv6Address {
                        address,
                        prefix,
                        origin,
                        state
                    }
                ),
                0..=MAX_ADDRESSES
            ),
            vec(text(40), 0..=MAX_NAME_SERVERS),
            vec(
                (u8_enum(), any::<bool>(), any::<u16>()).prop_map(|(service, enabled, port)| {
                    ServiceState {
                        service,
                        enabled,
                        port,
                    }
                }),
                0..=MAX_SERVICES
            ),
        )
            .prop_map(
                |(
                    uuid,
                    f,
                    speed_mbps,
                    mac,
                    (host_name, domain_name),
                    ipv4,
                    ipv6,
                    name_servers,
                    services,
                )| {
                    (
                        CommandId::GetManagerNetwork,
                        ResponseBody::ManagerNetwork(ManagerNetwork {
                            uuid,
                            enabled: f[0],
                            link_up: f[1],
                            dhcpv4: f[2],
                            dhcpv6: f[3],
                            speed_mbps,
                            mac,
                            host_name,
                            domain_name,
                            ipv4,
                            ipv6,
                            name_servers,
                            services,
                        }),
                    )
                }
            ),
        u8_enum().prop_map(|b| (CommandId::GetBootProgress, ResponseBody::BootProgress(b))),
        (any::<u32>(), u8_enum(), u8_enum(), u8_enum(), any::<u8>()).prop_map(
            |(sequence, command, state, result, progress)| {
                (
                    CommandId::GetOperationStatus,
                    ResponseBody::OperationStatus(OperationStatus {
                        sequence,
                        command,
                        state,
                        result,
                        progress,
                    }),
                )
            }
        ),
        (
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            any::<[u8; 2]>(),
            any::<u32>(),
            any::<u32>(),
            any::<u8>()
        )
            .prop_map(|(t, e, m, media, r, mr, w)| (
                CommandId::GetAllowableValues,
                ResponseBody::AllowableValues(AllowableValues {
                    boot_targets: t,
                    boot_enabled: e,
                    boot_modes: m,
                    media,
                    reset_types: r,
                    manager_reset_types: mr,
                    watchdog_actions: w,
                })
            )),
        (
            text(MAX_ASSET_TAG_LEN / 2),
            u8_enum(),
            any::<bool>(),
            u8_enum(),
            any::<[u8; 16]>()
        )
            .prop_map(|(asset_tag, indicator, enabled, action, uuid)| (
                CommandId::GetSystemSettings,
                ResponseBody::SystemSettings(SystemSettings {
                    asset_tag,
                    indicator,
                    watchdog: HostWatchdog { enabled, action },
                    uuid,
                })
            )),
        Just((CommandId::SetSystemSettings, ResponseBody::Empty)),
        Just((CommandId::ResetManager, ResponseBody::Empty)),
        Just((CommandId::SetManagerNetwork, ResponseBody::Empty)),
        (
            any::<u32>(),
            vec(
                (
                    "[A-Za-z0-9_-]{1,64}",
                    u8_enum(),
                    u8_enum(),
                    proptest::option::of(any::<i32>()),
                    [
                        proptest::option::of(any::<i32>()),
                        proptest::option::of(any::<i32>()),
                        proptest::option::of(any::<i32>()),
                        proptest::option::of(any::<i32>()),
                    ],
                )
                    .prop_map(|(name, reading_type, context, reading, t)| Sensor {
                        name,
                        reading_type,
                        context,
                        reading,
                        upper_caution: t[0],
                        upper_critical: t[1],
                        lower_caution: t[2],
                        lower_critical: t[3],
                    }),
                0..=MAX_SENSORS
            )
        )
            .prop_map(|(capacity_watts, sensors)| (
                CommandId::GetSensors,
                ResponseBody::Sensors(Sensors {
                    capacity_watts,
                    sensors
                })
            )),
        tunnel_response().prop_map(|t| (CommandId::RedfishRequest, ResponseBody::Redfish(t))),
        network_adapter().prop_map(|a| (
            CommandId::GetNetworkAdapter,
            ResponseBody::NetworkAdapter(a)
        )),
        bios().prop_map(|b| (CommandId::GetBios, ResponseBody::Bios(b))),
        ((0x1Bu8..), vec(any::<u8>(), 0..64))
            .prop_map(|(c, b)| (CommandId::Unknown(c), ResponseBody::Raw(b))),
    ]
}

fn response() -> impl Strategy<Value = Response> {
    let ok = ok_body().prop_map(|(command, body)| Response {
        command,
        result: ResultCode::Ok,
        body,
    });
    let accepted = (
        u8_enum::<CommandId>(),
        prop::sample::select(vec![ResultCode::Accepted, ResultCode::ChunkAccepted]),
    )
        .prop_map(|(command, result)| Response {
            command,
            result,
            body: ResponseBody::Empty,
        });
    let err = (u8_enum::<CommandId>(), 0x03u8.., text(100))
        .prop_map(|(command, r, detail)| Response::error(command, ResultCode::from(r), detail));
    prop_oneof![ok, accepted, err]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        u8_enum().prop_map(Event::PowerStateChanged),
        u8_enum().prop_map(Event::BootProgressChanged),
        (u8_enum(), u8_enum()).prop_map(|(slot, state)| Event::MediaStateChanged { slot, state }),
        (any::<u32>(), u8_enum(), u8_enum()).prop_map(|(sequence, command, result)| {
            Event::OperationCompleted {
                sequence,
                command,
                result,
            }
        }),
        (5u8.., vec(any::<u8>(), 0..32)).prop_map(|(id, data)| Event::Unknown { id, data }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn request_roundtrip(r in request()) {
        prop_assert_eq!(Request::parse(r.command(), &r.to_message()), Ok(r));
    }

    #[test]
    fn response_roundtrip(r in response()) {
        prop_assert_eq!(Response::parse(r.command, r.result, &r.to_message()), Ok(r));
    }

    #[test]
    fn event_roundtrip(e in event(), mfr in any::<u32>()) {
        prop_assert_eq!(Event::from_aen(&e.to_aen(mfr), mfr), Ok(Some((PROTOCOL_VERSION, e.clone()))));
        // Another manufacturer's AEN is not ours.
        prop_assert_eq!(Event::from_aen(&e.to_aen(mfr), mfr.wrapping_add(1)), Ok(None));
    }

    #[test]
    fn frame_roundtrip_through_ncsi(r in request(), seq in any::<u32>(), mfr in any::<u32>(), chunk in 1usize..=MAX_CHUNK) {
        for frame in split(r.command(), ResultCode::Ok, seq, &r.to_message(), chunk).unwrap() {
            let cmd = frame.to_oem_command(mfr);
            prop_assert_eq!(cmd.manufacturer_id, mfr);
            prop_assert_eq!(Frame::parse(&cmd.data), Ok(frame));
        }
    }

    #[test]
    fn split_then_reassemble(msg in vec(any::<u8>(), 0..5000), chunk in 1usize..=MAX_CHUNK, seq in any::<u32>()) {
        let frames = split(CommandId::SetBootOverride, ResultCode::Ok, seq, &msg, chunk).unwrap();
        prop_assert_eq!(frames.len(), msg.len().div_ceil(chunk).max(1));
        prop_assert!(frames.iter().all(|f| f.chunk.len() <= chunk));
        let (mut r, mut done) = Reassembly::start(&frames[0]).unwrap();
        for f in &frames[1..] {
            prop_assert!(done.is_none());
            done = r.push(f).unwrap();
        }
        prop_assert_eq!(done, Some(msg));
    }

    #[test]
    fn reassembly_rejects_reordering_and_corruption(msg in vec(any::<u8>(), 3..3000), chunk in 1usize..1000, flip in 1u8..) {
        let frames = split(CommandId::SetBootOverride, ResultCode::Ok, 7, &msg, chunk).unwrap();
        if frames.len() >= 3 {
            // Skipping a chunk, or repeating the first, is out of order.
            let (mut r, _) = Reassembly::start(&frames[0]).unwrap();
            prop_assert_eq!(r.push(&frames[2]), Err(ReassemblyError::OutOfOrder));
            let (mut r, _) = Reassembly::start(&frames[0]).unwrap();
            prop_assert_eq!(r.push(&frames[0]), Err(ReassemblyError::OutOfOrder));
            prop_assert_eq!(Reassembly::start(&frames[1]).map(|_| ()), Err(ReassemblyError::OutOfOrder));
        }
        // A flipped data byte fails the CRC at the end.
        let mut bad = frames.clone();
        let last = bad.len() - 1;
        let i = bad[last].chunk.len() - 1;
        bad[last].chunk[i] ^= flip;
        let (mut r, mut done) = match Reassembly::start(&bad[0]) {
            Ok(x) => x,
            Err(e) => { prop_assert_eq!(e, ReassemblyError::Integrity); return Ok(()); }
        };
        let mut err = None;
        for f in &bad[1..] {
            match r.push(f) { Ok(d) => done = d, Err(e) => { err = Some(e); break; } }
        }
        prop_assert_eq!(done, None);
        prop_assert_eq!(err, Some(ReassemblyError::Integrity));
    }

    #[test]
    fn oem_parsers_never_panic(data in vec(any::<u8>(), 0..400)) {
        crate::fuzzing::oem_frame(&data);
        crate::fuzzing::oem_request(&data);
        crate::fuzzing::oem_response(&data);
        crate::fuzzing::oem_event(&data);
        crate::fuzzing::oem_reassembly(&data);
    }
}

#[test]
fn oversized_messages_are_refused() {
    let big = vec![0u8; MAX_MESSAGE + 1];
    assert_eq!(
        split(CommandId::Reset, ResultCode::Ok, 1, &big, MAX_CHUNK),
        Err(Error::PayloadTooLong(MAX_MESSAGE + 1))
    );
    assert_eq!(
        split(CommandId::Reset, ResultCode::Ok, 1, &[], 0),
        Err(Error::Invalid("chunk size 0"))
    );
    let mut f = split(CommandId::Reset, ResultCode::Ok, 1, &[1, 2, 3], MAX_CHUNK)
        .unwrap()
        .remove(0);
    f.total_len = (MAX_MESSAGE + 1) as u32;
    assert_eq!(
        Reassembly::start(&f).map(|_| ()),
        Err(ReassemblyError::TooLarge)
    );
    assert_eq!(
        ReassemblyError::TooLarge.result_code(),
        ResultCode::TooLarge
    );
}

#[test]
fn long_error_details_are_cut_to_the_string_limit() {
    let r = Response::error(
        CommandId::Reset,
        ResultCode::OperationFailed,
        "é".repeat(200),
    );
    let ResponseBody::Error(d) = &r.body else {
        panic!()
    };
    assert_eq!(d.len(), 254, "127 two-byte characters fit in 255 bytes");
    assert_eq!(Response::parse(r.command, r.result, &r.to_message()), Ok(r));
}

#[test]
fn frame_and_message_errors() {
    assert_eq!(
        Frame::parse(&[1; 19]),
        Err(Error::PayloadLength {
            what: "OEM frame",
            expected: 20,
            actual: 19
        })
    );
    let mut bytes = Vec::new();
    split(
        CommandId::Reset,
        ResultCode::Ok,
        1,
        &[5, 0, 0, 0],
        MAX_CHUNK,
    )
    .unwrap()[0]
        .emit(&mut bytes);
    bytes.push(0); // chunk now longer than total length
    assert_eq!(
        Frame::parse(&bytes),
        Err(Error::Invalid(
            "OEM frame: chunk extends past the total length"
        ))
    );
    assert_eq!(
        Request::parse(CommandId::SetSystemSettings, &[0x10, 0, 0, 0, 0, 0]),
        Err(Error::Invalid("system settings: reserved mask bits set"))
    );
    let mut long_tag = vec![1, 0, 0, 0, 0, 65];
    long_tag.extend([b'x'; 65]);
    assert!(Request::parse(CommandId::SetSystemSettings, &long_tag).is_err());
    assert!(
        Response::parse(CommandId::GetAllowableValues, ResultCode::Ok, &[0; 19]).is_err(),
        "GetAllowableValues is 20 bytes"
    );
    assert_eq!(
        Request::parse(CommandId::Reset, &[5, 0, 0]),
        Err(Error::Truncated { needed: 4, have: 3 })
    );
    assert_eq!(
        Request::parse(CommandId::Reset, &[5, 0, 0, 0, 9]),
        Err(Error::Invalid("request: bytes after the last field"))
    );
    let mut long = vec![0u8, 1, 0, 0];
    long.extend_from_slice(&((MAX_URI_LEN + 1) as u16).to_be_bytes());
    long.extend(std::iter::repeat_n(b'a', MAX_URI_LEN + 1));
    long.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(
        Request::parse(CommandId::VirtualMediaInsert, &long),
        Err(Error::Invalid("image URI"))
    );
    assert_eq!(
        Request::parse(CommandId::SetBootOverride, &[3, 1, 1, 0, 0, 2, 0xFF, 0xFE]),
        Err(Error::Invalid("boot URI"))
    );
    // An error result with no body at all reads as an empty detail.
    assert_eq!(
        Response::parse(CommandId::Reset, ResultCode::Busy, &[]),
        Ok(Response::error(CommandId::Reset, ResultCode::Busy, ""))
    );
}

proptest! {
    /// A sensor's state follows its thresholds: critical at or beyond a critical one,
    /// else a warning at or beyond a caution one, else normal (§4.22).
    #[test]
    fn sensor_state_follows_the_thresholds(reading in any::<i32>(), t in any::<[Option<i32>; 4]>()) {
        let s = Sensor {
            name: "s".into(),
            reading_type: ReadingType::Temperature,
            context: PhysicalContext::NotKnown,
            reading: Some(reading),
            upper_caution: t[0],
            upper_critical: t[1],
            lower_caution: t[2],
            lower_critical: t[3],
        };
        let crit = t[1].is_some_and(|c| reading >= c) || t[3].is_some_and(|c| reading <= c);
        let warn = t[0].is_some_and(|c| reading >= c) || t[2].is_some_and(|c| reading <= c);
        let want = if crit { SensorState::Critical } else if warn { SensorState::Warning } else { SensorState::Normal };
        prop_assert_eq!(s.state(), want);
    }
}

proptest! {
    /// `AdapterSettings::check` is the rule list of §4.24, written out again here.
    #[test]
    fn adapter_settings_check_follows_the_rules(
        (a, s) in network_adapter().prop_flat_map(|a| {
            let (p, f) = (a.ports.len(), a.functions.len());
            // Mostly the adapter's shape, sometimes another.
            let shape = prop_oneof![
                4 => Just((p, f)),
                1 => (0..=MAX_ADAPTER_PORTS, 0..=MAX_FUNCTIONS),
            ];
            (Just(a), shape.prop_flat_map(|(p, f)| adapter_settings(p, f)))
        })
    ) {
        let port_ok = |(s, p): (&PortSettings, &AdapterPort)| {
            if s.autoneg {
                p.autoneg_capable && s.speed_mbps == 0
            } else {
                p.speeds_mbps.contains(&s.speed_mbps)
            }
        };
        let function_ok = |(s, f): (&FunctionSettings, &AdapterFunction)| {
            let m = u8::from(s.boot_mode);
            m == 0 || (m <= 5 && f.boot_modes & (1 << (m - 1)) != 0)
        };
        let want = s.ports.len() == a.ports.len()
            && s.functions.len() == a.functions.len()
            && (!s.npar || a.npar_capable)
            && s.ports.iter().zip(&a.ports).all(port_ok)
            && s.functions.iter().zip(&a.functions).all(function_ok);
        prop_assert_eq!(s.check(&a).is_ok(), want, "{:?}", s.check(&a));
    }
}

/// The settings an adapter has in force pass its own check when they follow the
/// rules, and a speed it cannot run at is named in the refusal (§4.24).
#[test]
fn adapter_settings_refusals_name_the_field() {
    let a = NetworkAdapter {
        ports: vec![AdapterPort {
            channel: 0,
            autoneg_capable: false,
            transceiver: None,
            speeds_mbps: vec![25_000],
        }],
        functions: vec![AdapterFunction {
            port: Some(0),
            pcie_function: 0,
            technologies: 1,
            boot_modes: 0x01,
            vfs_enabled: false,
            max_vfs: 0,
            mac: [0; 6],
        }],
        ..NetworkAdapter::default()
    };
    let ok = AdapterSettings {
        npar: false,
        ports: vec![PortSettings {
            autoneg: false,
            speed_mbps: 25_000,
        }],
        functions: vec![FunctionSettings {
            enabled: true,
            boot_mode: FunctionBootMode::Pxe,
        }],
    };
    assert_eq!(ok.check(&a), Ok(()));
    let mut s = ok.clone();
    s.ports[0].speed_mbps = 10_000;
    assert!(s.check(&a).unwrap_err().starts_with("port 0:"));
    let mut s = ok.clone();
    s.ports[0] = PortSettings {
        autoneg: true,
        speed_mbps: 0,
    };
    assert!(s.check(&a).unwrap_err().starts_with("port 0:"));
    let mut s = ok.clone();
    s.functions[0].boot_mode = FunctionBootMode::Http;
    assert_eq!(
        s.check(&a).unwrap_err(),
        "function 0: it cannot boot by HTTP"
    );
    let mut s = ok.clone();
    s.npar = true;
    assert!(s.check(&a).unwrap_err().starts_with("npar:"));
    let mut s = ok;
    s.functions.clear();
    assert!(s.check(&a).unwrap_err().starts_with("functions:"));
}

proptest! {
    /// `Bios::check` refuses exactly what §4.26 refuses; `apply` then `start` puts
    /// the changes in force and empties the pending list.
    #[test]
    fn bios_changes_follow_the_rules(b in bios(), picks in vec((any::<prop::sample::Index>(), bios_value()), 0..6)) {
        let changes: Vec<BiosChange> = picks
            .iter()
            .filter(|_| !b.attributes.is_empty())
            .map(|(i, v)| BiosChange { name: b.attributes[i.index(b.attributes.len())].name.clone(), value: v.clone() })
            .collect();
        let want = changes.iter().enumerate().all(|(i, c)| {
            let a = b.attributes.iter().find(|a| a.name == c.name).unwrap();
            !a.read_only && a.admits(&c.value).is_ok() && !changes[..i].iter().any(|o| o.name == c.name)
        });
        prop_assert_eq!(b.check(&changes).is_ok(), want);
        if want {
            let mut after = b.clone();
            after.apply(&changes);
            after.start();
            for c in &changes {
                prop_assert_eq!(&after.attribute(&c.name).unwrap().1.value, &c.value);
            }
            prop_assert!(after.pending.is_empty());
        }
    }
}

#[test]
fn bios_refusals_name_the_attribute() {
    let b = Bios {
        registry: String::new(),
        attributes: vec![
            BiosAttribute {
                name: "NumCores".into(),
                kind: BiosKind::Integer(1, 16),
                read_only: false,
                value: BiosValue::Integer(8),
            },
            BiosAttribute {
                name: "Capable".into(),
                kind: BiosKind::Boolean,
                read_only: true,
                value: BiosValue::Boolean(true),
            },
        ],
        pending: Vec::new(),
    };
    let ch = |n: &str, v: BiosValue| {
        vec![BiosChange {
            name: n.into(),
            value: v,
        }]
    };
    assert_eq!(
        b.check(&ch("NumCores", BiosValue::Integer(17)))
            .unwrap_err(),
        "NumCores: 17 is outside 1..=16"
    );
    assert_eq!(
        b.check(&ch("NumCores", BiosValue::Boolean(true)))
            .unwrap_err(),
        "NumCores: not a value of type Integer"
    );
    assert_eq!(
        b.check(&ch("Capable", BiosValue::Boolean(false)))
            .unwrap_err(),
        "Capable: read-only"
    );
    assert_eq!(
        b.check(&ch("Nope", BiosValue::Boolean(false))).unwrap_err(),
        "Nope: no such attribute"
    );
    // A change back to the value in force is not pending.
    let mut c = b.clone();
    c.apply(&ch("NumCores", BiosValue::Integer(4)));
    assert_eq!(c.pending, vec![(0, BiosValue::Integer(4))]);
    c.apply(&ch("NumCores", BiosValue::Integer(8)));
    assert!(c.pending.is_empty());
}
