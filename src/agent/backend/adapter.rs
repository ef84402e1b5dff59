//! GetNetworkAdapter and SetAdapterSettings (`protocol/OEM.md` §4.23–§4.24, mapping
//! in §11) from the card service's own NetworkAdapter: the first member of
//! `{chassis}/NetworkAdapters`, its Ports and NetworkDeviceFunctions in collection
//! order (port `n` of the collection is NC-SI channel `n`), each function's
//! PCIeFunction, each port's PortMetrics; the settings in force from the resources,
//! the pending ones from their `@Redfish.Settings` settings objects (where they
//! differ), written by PATCHing those objects, the defaults by
//! `#NetworkAdapter.ResetSettingsToDefault`.

use super::{Backend, Failed, Ids, from_client, member_ids, parse_mac, text, truncated};
use serde_json::{Value, json};
use sidebridge_protocol::oem::{
    self, AdapterFunction, AdapterPort, AdapterSettings, Diagnostics, FunctionBootMode,
    FunctionSettings, Medium, NetworkAdapter, PcieLink, PortSettings, ResultCode, TECHNOLOGIES,
    Transceiver, TransceiverType,
};

/// The card service's adapter resources, as read.
struct Resources {
    adapter: Value,
    ports: Vec<Value>,
    functions: Vec<Value>,
}

fn unsupported(why: &str) -> Failed {
    (
        ResultCode::UnsupportedCommand,
        format!("adapter: the card service {why}"),
    )
}

/// Mbit/s of a speed in Gbit/s.
fn mbps(v: &Value) -> Option<u32> {
    let m = (v.as_f64()? * 1000.0).round();
    (0.0..=f64::from(u32::MAX)).contains(&m).then_some(m as u32)
}

/// Thousandths of a value (µW of mW, mV of V).
fn milli(v: &Value) -> u32 {
    mbps(v).unwrap_or(0)
}

/// `Gen4` → 4.
fn generation(v: &Value) -> u8 {
    v.as_str()
        .and_then(|s| s.strip_prefix("Gen"))
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=6).contains(n))
        .unwrap_or(0)
}

fn hex(v: &Value) -> Option<u32> {
    u32::from_str_radix(v.as_str()?.trim_start_matches("0x"), 16).ok()
}

fn settings_uri(v: &Value) -> Option<&str> {
    v["@Redfish.Settings"]["SettingsObject"]["@odata.id"].as_str()
}

/// A port's settings as `p` (a Port or its settings object) shows them.
fn port_settings(p: &Value) -> PortSettings {
    let lc = &p["LinkConfiguration"][0];
    let autoneg = lc["AutoSpeedNegotiationEnabled"].as_bool().unwrap_or(false);
    PortSettings {
        autoneg,
        speed_mbps: if autoneg {
            0
        } else {
            mbps(&lc["ConfiguredNetworkLinks"][0]["ConfiguredLinkSpeedGbps"]).unwrap_or(0)
        },
    }
}

/// A function's settings as `f` (a NetworkDeviceFunction or its settings object)
/// shows them.
fn function_settings(f: &Value) -> FunctionSettings {
    FunctionSettings {
        enabled: f["DeviceEnabled"].as_bool().unwrap_or(true),
        boot_mode: FunctionBootMode::from_redfish_name(&text(f, "BootMode"))
            .unwrap_or(FunctionBootMode::Disabled),
    }
}

fn npar(a: &Value) -> bool {
    a["Controllers"][0]["ControllerCapabilities"]["NPAR"]["NparEnabled"]
        .as_bool()
        .unwrap_or(false)
}

impl Backend {
    async fn adapter_resources(&self, ids: &Ids) -> Result<Resources, Failed> {
        let Some(chassis) = &ids.chassis else {
            return Err(unsupported("has no chassis"));
        };
        let get = |p: String| async move {
            self.client
                .get_json(&p)
                .await
                .map_err(|e| from_client("adapter", e))
        };
        let c = get(chassis.clone()).await?;
        let Some(list) = c["NetworkAdapters"]["@odata.id"].as_str() else {
            return Err(unsupported("links no NetworkAdapters"));
        };
        let Some(first) = member_ids(&get(list.to_string()).await?).into_iter().next() else {
            return Err(unsupported("has no network adapter"));
        };
        let adapter = get(first).await?;
        let ports = self
            .members_of(&adapter, "Ports", oem::MAX_ADAPTER_PORTS)
            .await;
        let functions = self
            .members_of(&adapter, "NetworkDeviceFunctions", oem::MAX_FUNCTIONS)
            .await;
        Ok(Resources {
            adapter,
            ports,
            functions,
        })
    }

    /// GetNetworkAdapter (§4.23).
    pub(super) async fn network_adapter(&self, ids: &Ids) -> Result<NetworkAdapter, Failed> {
        let r = self.adapter_resources(ids).await?;
        Ok(self.adapter_of(&r).await)
    }

    async fn adapter_of(&self, r: &Resources) -> NetworkAdapter {
        let a = &r.adapter;
        let ctrl = &a["Controllers"][0];
        let caps = &ctrl["ControllerCapabilities"];
        let vf = &caps["VirtualizationOffload"]["VirtualFunction"];
        let count = |v: &Value| v.as_u64().map_or(0, |n| n.min(u64::from(u16::MAX)) as u16);
        let pcie = &ctrl["PCIeInterface"];
        let lanes = |v: &Value| v.as_u64().map_or(0, |n| n.min(255) as u8);
        let mut out = NetworkAdapter {
            npar_capable: caps["NPAR"]["NparCapable"].as_bool().unwrap_or(false),
            sriov_capable: caps["VirtualizationOffload"]["SRIOV"].is_object(),
            sriov_vepa_capable: caps["VirtualizationOffload"]["SRIOV"]["SRIOVVEPACapable"]
                .as_bool()
                .unwrap_or(false),
            pcie: PcieLink {
                generation: generation(&pcie["PCIeType"]),
                max_generation: generation(&pcie["MaxPCIeType"]),
                lanes: lanes(&pcie["LanesInUse"]),
                max_lanes: lanes(&pcie["MaxLanes"]),
            },
            max_vfs: count(&vf["DeviceMaxCount"]),
            max_vfs_per_port: count(&vf["NetworkPortMaxCount"]),
            vf_group: count(&vf["MinAssignmentGroupSize"]),
            sku: truncated(&text(a, "SKU")),
            ..NetworkAdapter::default()
        };
        let port_uris: Vec<&str> = r
            .ports
            .iter()
            .filter_map(|p| p["@odata.id"].as_str())
            .collect();
        for (i, p) in r.ports.iter().enumerate() {
            let lc = &p["LinkConfiguration"][0];
            let mut speeds: Vec<u32> = lc["CapableLinkSpeedGbps"]
                .as_array()
                .map(|l| l.iter().filter_map(mbps).collect())
                .unwrap_or_default();
            speeds.sort_unstable();
            speeds.truncate(oem::MAX_SPEEDS);
            let sfp = &p["SFP"];
            let transceiver = if sfp.is_object() {
                let metrics = match p["Metrics"]["@odata.id"].as_str() {
                    Some(m) => self.client.get_json(m).await.unwrap_or(Value::Null),
                    None => Value::Null,
                };
                let t = &metrics["Transceivers"][0];
                Some(Transceiver {
                    kind: TransceiverType::from_redfish_name(&text(sfp, "Type"))
                        .unwrap_or(TransceiverType::NotKnown),
                    medium: Medium::from_redfish_name(&text(sfp, "MediumType"))
                        .unwrap_or(Medium::NotKnown),
                    diagnostics: t.is_object().then(|| Diagnostics {
                        rx_power_uw: milli(&t["RXInputPowerMilliWatts"]),
                        tx_power_uw: milli(&t["TXOutputPowerMilliWatts"]),
                        tx_bias_ua: milli(&t["TXBiasCurrentMilliAmps"]),
                        supply_mv: milli(&t["SupplyVoltage"]),
                    }),
                })
            } else {
                None
            };
            out.ports.push(AdapterPort {
                channel: i as u8,
                autoneg_capable: lc["AutoSpeedNegotiationCapable"].as_bool().unwrap_or(false),
                transceiver,
                speeds_mbps: speeds,
            });
        }
        let mut identity_read = false;
        for f in &r.functions {
            let technologies = f["NetDevFuncCapabilities"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| TECHNOLOGIES.iter().position(|n| Some(*n) == t.as_str()))
                .fold(0u8, |m, i| m | 1 << i);
            // The modes the service lists, else every one (the service decides).
            let boot_modes = match f["BootMode@Redfish.AllowableValues"].as_array() {
                Some(l) => l
                    .iter()
                    .filter_map(|m| FunctionBootMode::from_redfish_name(m.as_str()?)?.bit())
                    .fold(0, |m, b| m | b),
                None => 0x1F,
            };
            let port = f["AssignablePhysicalNetworkPorts"][0]["@odata.id"]
                .as_str()
                .or(f["Links"]["PhysicalNetworkPortAssignment"]["@odata.id"].as_str())
                .and_then(|u| port_uris.iter().position(|p| *p == u))
                .map(|i| i as u8);
            let pcie_fn = match f["Links"]["PCIeFunction"]["@odata.id"].as_str() {
                Some(u) => self.client.get_json(u).await.unwrap_or(Value::Null),
                None => Value::Null,
            };
            if !identity_read && pcie_fn.is_object() {
                identity_read = true;
                out.class_code = hex(&pcie_fn["ClassCode"])
                    .filter(|c| *c <= 0x00FF_FFFF)
                    .unwrap_or(0);
                out.revision_id = hex(&pcie_fn["RevisionId"])
                    .and_then(|r| u8::try_from(r).ok())
                    .unwrap_or(0);
            }
            let e = &f["Ethernet"];
            out.functions.push(AdapterFunction {
                port,
                pcie_function: pcie_fn["FunctionId"]
                    .as_u64()
                    .map_or(0, |n| n.min(255) as u8),
                technologies,
                boot_modes,
                vfs_enabled: f["VirtualFunctionsEnabled"].as_bool().unwrap_or(false),
                max_vfs: count(&f["MaxVirtualFunctions"]),
                mac: parse_mac(&text(e, "PermanentMACAddress"))
                    .or_else(|| parse_mac(&text(e, "MACAddress")))
                    .unwrap_or_default(),
            });
        }
        out.current = AdapterSettings {
            npar: npar(a),
            ports: r.ports.iter().map(port_settings).collect(),
            functions: r.functions.iter().map(function_settings).collect(),
        };
        // Pending: the settings objects' values, where they differ from those in force.
        let mut pending = out.current.clone();
        if let Some(u) = settings_uri(a)
            && let Ok(s) = self.client.get_json(u).await
        {
            pending.npar = s["Controllers"][0]["ControllerCapabilities"]["NPAR"]["NparEnabled"]
                .as_bool()
                .unwrap_or(pending.npar);
        }
        for (i, p) in r.ports.iter().enumerate() {
            if let Some(u) = settings_uri(p)
                && let Ok(s) = self.client.get_json(u).await
                && s["LinkConfiguration"].is_array()
            {
                pending.ports[i] = port_settings(&s);
            }
        }
        for (i, f) in r.functions.iter().enumerate() {
            if let Some(u) = settings_uri(f)
                && let Ok(s) = self.client.get_json(u).await
            {
                pending.functions[i] = function_settings(&s);
            }
        }
        out.pending = (pending != out.current).then_some(pending);
        out
    }

    /// SetAdapterSettings (§4.24): each settings object whose values change is
    /// PATCHed; the defaults through the adapter's ResetSettingsToDefault.
    pub(super) async fn set_adapter_settings(
        &self,
        ids: &Ids,
        s: Option<&AdapterSettings>,
    ) -> Result<(), Failed> {
        let r = self.adapter_resources(ids).await?;
        let now = self.adapter_of(&r).await;
        let Some(s) = s else {
            return self
                .defaults(&r.adapter, "#NetworkAdapter.ResetSettingsToDefault")
                .await;
        };
        s.check(&now)
            .map_err(|why| (ResultCode::InvalidParameter, why))?;
        let next = now.next_settings().clone();
        let patch = |uri: Option<&str>, body: Value, field: String| {
            let uri = uri.map(str::to_string);
            async move {
                let Some(uri) = uri else {
                    return Err(unsupported("has no settings object for that"));
                };
                self.client
                    .send_json("PATCH", &uri, &body)
                    .await
                    .map(|_| ())
                    .map_err(|e| from_client(&field, e))
            }
        };
        if s.npar != next.npar {
            let body = json!({ "Controllers": [{ "ControllerCapabilities": { "NPAR": { "NparEnabled": s.npar } } }] });
            patch(settings_uri(&r.adapter), body, "npar".into()).await?;
        }
        for (i, (new, old)) in s.ports.iter().zip(&next.ports).enumerate() {
            if new == old {
                continue;
            }
            let links: Vec<Value> = if new.autoneg {
                Vec::new()
            } else {
                vec![json!({ "ConfiguredLinkSpeedGbps": f64::from(new.speed_mbps) / 1000.0 })]
            };
            let body = json!({ "LinkConfiguration": [{
                "AutoSpeedNegotiationEnabled": new.autoneg,
                "ConfiguredNetworkLinks": links
            }] });
            patch(settings_uri(&r.ports[i]), body, format!("port {i}")).await?;
        }
        for (i, (new, old)) in s.functions.iter().zip(&next.functions).enumerate() {
            if new == old {
                continue;
            }
            let body = json!({
                "DeviceEnabled": new.enabled,
                "BootMode": new.boot_mode.redfish_name().unwrap_or("Disabled")
            });
            patch(settings_uri(&r.functions[i]), body, format!("function {i}")).await?;
        }
        Ok(())
    }
}
