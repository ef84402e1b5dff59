//! GetBios and SetBiosSettings (`protocol/OEM.md` §4.25–§4.26, mapping in §11) from
//! the card service's `{system}/Bios`: its `Attributes` (each attribute's type from
//! its JSON value: text, integer, boolean; others left out), `AttributeRegistry`, the
//! pending values from its `@Redfish.Settings` settings object where they differ;
//! written by PATCHing that object's `Attributes`, the defaults by `#Bios.ResetBios`.
//! The service checks each value against its own registry when it takes the PATCH.

use super::{Backend, Failed, Ids, from_client, text, truncated};
use crate::redfish::bios::json_of;
use serde_json::{Map, Value, json};
use sidebridge_protocol::oem::{
    self, Bios, BiosAttribute, BiosChange, BiosKind, BiosValue, ResultCode,
};

fn unsupported(why: &str) -> Failed {
    (
        ResultCode::UnsupportedCommand,
        format!("bios: the card service {why}"),
    )
}

/// An attribute value as the OEM set carries it; `None` for JSON it cannot carry.
fn value_of(v: &Value) -> Option<BiosValue> {
    match v {
        Value::String(s) if s.len() <= oem::MAX_STRING_LEN => Some(BiosValue::String(s.clone())),
        Value::Number(n) => n.as_i64().map(BiosValue::Integer),
        Value::Bool(b) => Some(BiosValue::Boolean(*b)),
        _ => None,
    }
}

impl Backend {
    async fn bios_resource(&self, ids: &Ids) -> Result<Value, Failed> {
        let s = self
            .client
            .get_json(&ids.system)
            .await
            .map_err(|e| from_client("system", e))?;
        let Some(uri) = s["Bios"]["@odata.id"].as_str() else {
            return Err(unsupported("links no Bios"));
        };
        self.client
            .get_json(uri)
            .await
            .map_err(|e| from_client("bios", e))
    }

    fn bios_of(&self, b: &Value) -> Bios {
        let empty = Map::new();
        let attrs = b["Attributes"].as_object().unwrap_or(&empty);
        let mut out = Bios {
            registry: truncated(&text(b, "AttributeRegistry")),
            ..Bios::default()
        };
        for (name, v) in attrs {
            if out.attributes.len() == oem::MAX_BIOS_ATTRIBUTES || !oem::is_bios_name(name) {
                continue;
            }
            let Some(value) = value_of(v) else { continue };
            let kind = match value {
                BiosValue::Integer(_) => BiosKind::Integer(i64::MIN, i64::MAX),
                BiosValue::Boolean(_) => BiosKind::Boolean,
                _ => BiosKind::String(oem::MAX_STRING_LEN as u16),
            };
            out.attributes.push(BiosAttribute {
                name: name.clone(),
                kind,
                read_only: false,
                value,
            });
        }
        out
    }

    /// GetBios (§4.25).
    pub(super) async fn bios(&self, ids: &Ids) -> Result<Bios, Failed> {
        let b = self.bios_resource(ids).await?;
        let mut out = self.bios_of(&b);
        if let Some(u) = b["@Redfish.Settings"]["SettingsObject"]["@odata.id"].as_str()
            && let Ok(s) = self.client.get_json(u).await
            && let Some(pending) = s["Attributes"].as_object()
        {
            let changes: Vec<BiosChange> = pending
                .iter()
                .filter_map(|(name, v)| {
                    let (_, a) = out.attribute(name)?;
                    let value = value_of(v)?;
                    (value.type_code() == a.value.type_code()).then(|| BiosChange {
                        name: name.clone(),
                        value,
                    })
                })
                .collect();
            out.apply(&changes);
        }
        Ok(out)
    }

    /// SetBiosSettings (§4.26): one PATCH of the settings object's `Attributes`; the
    /// defaults through `#Bios.ResetBios`.
    pub(super) async fn set_bios(
        &self,
        ids: &Ids,
        changes: Option<&[BiosChange]>,
    ) -> Result<(), Failed> {
        let b = self.bios_resource(ids).await?;
        let Some(changes) = changes else {
            return self.defaults(&b, "#Bios.ResetBios").await;
        };
        // Enumerations travel as text: the service's registry decides.
        let known = self.bios_of(&b);
        let as_known: Vec<BiosChange> = changes
            .iter()
            .map(|c| BiosChange {
                name: c.name.clone(),
                value: match &c.value {
                    BiosValue::Enumeration(s) => BiosValue::String(s.clone()),
                    v => v.clone(),
                },
            })
            .collect();
        known
            .check(&as_known)
            .map_err(|why| (ResultCode::InvalidParameter, why))?;
        let Some(uri) = b["@Redfish.Settings"]["SettingsObject"]["@odata.id"].as_str() else {
            return Err(unsupported("has no Bios settings object"));
        };
        let attrs: Map<String, Value> = changes
            .iter()
            .map(|c| (c.name.clone(), json_of(&c.value)))
            .collect();
        self.client
            .send_json("PATCH", uri, &json!({ "Attributes": attrs }))
            .await
            .map(|_| ())
            .map_err(|e| {
                let field = changes.first().map_or("bios", |c| c.name.as_str());
                from_client(field, e)
            })
    }
}
