//! Redfish errors: one type, rendered as the DMTF error body with Base registry
//! messages in `@Message.ExtendedInfo` (DSP0266 §9.6, Base registry 1.19).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The Base registry prefix of every MessageId.
pub const BASE: &str = "Base.1.19";

/// One Base registry message with its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Message name, e.g. `PropertyValueNotInList`.
    pub id: &'static str,
    /// The message text with arguments filled in.
    pub text: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Where it applies (JSON pointer of the property), if anywhere.
    pub property: Option<String>,
    /// Severity: OK, Warning, Critical.
    pub severity: &'static str,
    /// What to do.
    pub resolution: &'static str,
}

impl Message {
    /// The JSON of `@Message.ExtendedInfo` entries.
    pub fn to_json(&self) -> Value {
        let mut m = json!({
            "@odata.type": "#Message.v1_3_0.Message",
            "MessageId": format!("{BASE}.{}", self.id),
            "Message": self.text,
            "MessageArgs": self.args,
            "MessageSeverity": self.severity,
            "Resolution": self.resolution,
        });
        if let Some(p) = &self.property {
            m["RelatedProperties"] = json!([p]);
        }
        m
    }
}

/// A Redfish error: status and messages.
#[derive(Debug, Clone, PartialEq)]
pub struct RedfishError {
    /// HTTP status.
    pub status: StatusCode,
    /// Base messages (at least one).
    pub messages: Vec<Message>,
    /// Seconds for a Retry-After header.
    pub retry_after: Option<u32>,
    /// An Allow header (405).
    pub allow: Option<&'static str>,
    /// The error's `message` text instead of the first message's (which rule refused,
    /// which service did not answer); the Base messages stay as the registry has them.
    pub summary: Option<String>,
}

fn msg(
    id: &'static str,
    text: String,
    args: Vec<String>,
    severity: &'static str,
    resolution: &'static str,
) -> Message {
    Message {
        id,
        text,
        args,
        property: None,
        severity,
        resolution,
    }
}

impl RedfishError {
    fn one(status: StatusCode, m: Message) -> Self {
        RedfishError {
            status,
            messages: vec![m],
            retry_after: None,
            allow: None,
            summary: None,
        }
    }

    /// The same error with `summary` as its `message` text.
    pub fn with_summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Adds more messages (several bad properties in one PATCH).
    pub fn and(mut self, other: RedfishError) -> Self {
        self.messages.extend(other.messages);
        self
    }

    /// 404 ResourceNotFound.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::one(
            StatusCode::NOT_FOUND,
            msg(
                "ResourceNotFound",
                format!("The requested resource of type {kind} named '{id}' was not found."),
                vec![kind.into(), id.into()],
                "Critical",
                "Provide a valid resource identifier and resubmit the request.",
            ),
        )
    }

    /// 400 MalformedJSON.
    pub fn malformed_json() -> Self {
        Self::one(StatusCode::BAD_REQUEST, msg("MalformedJSON", "The request body submitted was malformed JSON and could not be parsed by the receiving service.".into(), vec![], "Critical", "Ensure that the request body is valid JSON and resubmit the request."))
    }

    /// 415 UnrecognizedRequestBody: a body that is not `application/json` (a form post
    /// from another site is how cross-site request forgery arrives).
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::one(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            msg(
                "UnrecognizedRequestBody",
                "The service detected a malformed request body that it was unable to interpret."
                    .into(),
                vec![],
                "Warning",
                "Correct the request body and resubmit the request if it failed.",
            ),
        )
        .with_summary(format!(
            "The request body is {content_type}; this service takes application/json only."
        ))
    }

    /// 400 PropertyValueNotInList.
    pub fn value_not_in_list(property: &str, value: &str) -> Self {
        let mut m = msg(
            "PropertyValueNotInList",
            format!(
                "The value '{value}' for the property {property} is not in the list of acceptable values."
            ),
            vec![value.into(), property.into()],
            "Warning",
            "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.",
        );
        m.property = Some(format!("#/{}", property.replace('.', "/")));
        Self::one(StatusCode::BAD_REQUEST, m)
    }

    /// 400 PropertyValueTypeError.
    pub fn value_type(property: &str, value: &str) -> Self {
        let mut m = msg(
            "PropertyValueTypeError",
            format!(
                "The value '{value}' for the property {property} is not a type that the property can accept."
            ),
            vec![value.into(), property.into()],
            "Warning",
            "Correct the value for the property in the request body and resubmit the request if the operation failed.",
        );
        m.property = Some(format!("#/{}", property.replace('.', "/")));
        Self::one(StatusCode::BAD_REQUEST, m)
    }

    /// 400 PropertyValueFormatError.
    pub fn value_format(property: &str, value: &str) -> Self {
        let mut m = msg(
            "PropertyValueFormatError",
            format!(
                "The value '{value}' for the property {property} is not a format that the property can accept."
            ),
            vec![value.into(), property.into()],
            "Warning",
            "Correct the value for the property in the request body and resubmit the request if the operation failed.",
        );
        m.property = Some(format!("#/{}", property.replace('.', "/")));
        Self::one(StatusCode::BAD_REQUEST, m)
    }

    /// 400 PropertyUnknown.
    pub fn property_unknown(property: &str) -> Self {
        let mut m = msg(
            "PropertyUnknown",
            format!(
                "The property {property} is not in the list of valid properties for the resource."
            ),
            vec![property.into()],
            "Warning",
            "Remove the unknown property from the request body and resubmit the request if the operation failed.",
        );
        m.property = Some(format!("#/{}", property.replace('.', "/")));
        Self::one(StatusCode::BAD_REQUEST, m)
    }

    /// 400 PropertyNotWritable.
    pub fn not_writable(property: &str) -> Self {
        let mut m = msg(
            "PropertyNotWritable",
            format!(
                "The property {property} is a read-only property and cannot be assigned a value."
            ),
            vec![property.into()],
            "Warning",
            "Remove the property from the request body and resubmit the request if the operation failed.",
        );
        m.property = Some(format!("#/{}", property.replace('.', "/")));
        Self::one(StatusCode::BAD_REQUEST, m)
    }

    /// 400 ActionParameterMissing.
    pub fn parameter_missing(action: &str, parameter: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "ActionParameterMissing",
                format!(
                    "The action {action} requires the parameter {parameter} to be present in the request body."
                ),
                vec![action.into(), parameter.into()],
                "Critical",
                "Supply the action with the required parameter in the request body when the request is resubmitted.",
            ),
        )
    }

    /// 400 ActionParameterNotSupported.
    pub fn parameter_not_supported(parameter: &str, action: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "ActionParameterNotSupported",
                format!(
                    "The parameter {parameter} for the action {action} is not supported on the target resource."
                ),
                vec![parameter.into(), action.into()],
                "Warning",
                "Remove the parameter supplied and resubmit the request if the operation failed.",
            ),
        )
    }

    /// 400 ActionParameterValueNotInList.
    pub fn parameter_not_in_list(value: &str, parameter: &str, action: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "ActionParameterValueNotInList",
                format!(
                    "The value '{value}' for the parameter {parameter} in the action {action} is not in the list of acceptable values."
                ),
                vec![value.into(), parameter.into(), action.into()],
                "Warning",
                "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.",
            ),
        )
    }

    /// 400 ActionParameterValueFormatError.
    pub fn parameter_format(value: &str, parameter: &str, action: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "ActionParameterValueFormatError",
                format!(
                    "The value '{value}' for the parameter {parameter} in the action {action} is not a format that the parameter can accept."
                ),
                vec![value.into(), parameter.into(), action.into()],
                "Warning",
                "Correct the value for the parameter in the request body and resubmit the request if the operation failed.",
            ),
        )
    }

    /// 400 ActionParameterValueTypeError.
    pub fn parameter_type(value: &str, parameter: &str, action: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "ActionParameterValueTypeError",
                format!(
                    "The value '{value}' for the parameter {parameter} in the action {action} is not a type that the parameter can accept."
                ),
                vec![value.into(), parameter.into(), action.into()],
                "Warning",
                "Correct the value for the parameter in the request body and resubmit the request if the operation failed.",
            ),
        )
    }

    /// 401 with WWW-Authenticate (NoValidSession).
    pub fn unauthorized() -> Self {
        Self::one(
            StatusCode::UNAUTHORIZED,
            msg(
                "NoValidSession",
                "There is no valid session established with the implementation.".into(),
                vec![],
                "Critical",
                "Establish a session before attempting any operations.",
            ),
        )
    }

    /// 403 InsufficientPrivilege.
    pub fn insufficient_privilege() -> Self {
        Self::one(StatusCode::FORBIDDEN, msg("InsufficientPrivilege", "There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.".into(), vec![], "Critical", "Either abandon the operation or change the associated access rights and resubmit the request if the operation failed."))
    }

    /// 405 OperationNotAllowed? No: DSP0266 wants 405 with an Allow header.
    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut e = Self::one(
            StatusCode::METHOD_NOT_ALLOWED,
            msg(
                "OperationNotAllowed",
                "The HTTP method is not allowed on this resource.".into(),
                vec![],
                "Critical",
                "Use one of the methods listed in the Allow header.",
            ),
        );
        e.allow = Some(allow);
        e
    }

    /// 409 ResourceInUse.
    pub fn in_use() -> Self {
        Self::one(StatusCode::CONFLICT, msg("ResourceInUse", "The change to the requested resource failed because the resource is in use or in transition.".into(), vec![], "Warning", "Remove the condition and resubmit the request if the operation failed."))
    }

    /// 409 OperationNotAllowed (e.g. eject with nothing inserted).
    pub fn not_allowed(why: &str) -> Self {
        Self::one(
            StatusCode::CONFLICT,
            msg(
                "OperationNotAllowed",
                format!("The operation was not successful because {why}."),
                vec![],
                "Critical",
                "Change the state of the resource and resubmit the request.",
            ),
        )
    }

    /// 412 PreconditionFailed (stale If-Match).
    pub fn precondition_failed() -> Self {
        Self::one(
            StatusCode::PRECONDITION_FAILED,
            msg(
                "PreconditionFailed",
                "The ETag supplied did not match the ETag required to change this resource.".into(),
                vec![],
                "Critical",
                "Try the operation again using the appropriate ETag.",
            ),
        )
    }

    /// 413 PayloadTooLarge.
    pub fn payload_too_large() -> Self {
        Self::one(
            StatusCode::PAYLOAD_TOO_LARGE,
            msg(
                "PayloadTooLarge",
                "The supplied payload exceeds the maximum size supported by the service.".into(),
                vec![],
                "Critical",
                "Correct the request body and resubmit the request if the operation failed.",
            ),
        )
    }

    /// 503 ServiceTemporarilyUnavailable with Retry-After.
    pub fn unavailable(seconds: u32) -> Self {
        let mut e = Self::one(
            StatusCode::SERVICE_UNAVAILABLE,
            msg(
                "ServiceTemporarilyUnavailable",
                format!("The service is temporarily unavailable.  Retry in {seconds} seconds."),
                vec![seconds.to_string()],
                "Critical",
                "Wait for the indicated retry duration and retry the operation.",
            ),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 500 InternalError.
    pub fn internal() -> Self {
        Self::one(StatusCode::INTERNAL_SERVER_ERROR, msg("InternalError", "The request failed due to an internal service error.  The service is still operational.".into(), vec![], "Critical", "Resubmit the request.  If the problem persists, consider resetting the service."))
    }

    /// 500 OperationFailed.
    pub fn operation_failed(detail: &str) -> Self {
        Self::one(
            StatusCode::INTERNAL_SERVER_ERROR,
            msg(
                "OperationFailed",
                format!(
                    "An error occurred internal to the service as part of the overall request.  Partial results may have been returned: {detail}"
                ),
                vec![],
                "Warning",
                "Resubmit the request.  If the problem persists, consider investigating the card's BMC.",
            ),
        )
    }

    /// 504 OperationTimeout.
    pub fn timeout() -> Self {
        Self::one(StatusCode::GATEWAY_TIMEOUT, msg("OperationTimeout", "A timeout internal to the service occurred as part of the request.  Partial results may have been returned.".into(), vec![], "Critical", "Resubmit the request.  If the problem persists, consider resetting the service or provider."))
    }

    /// 501 ActionNotSupported.
    pub fn action_not_supported(action: &str) -> Self {
        Self::one(
            StatusCode::NOT_IMPLEMENTED,
            msg(
                "ActionNotSupported",
                format!("The action {action} is not supported by the resource."),
                vec![action.into()],
                "Critical",
                "The action supplied cannot be resubmitted to the implementation.  Perhaps the action was invalid, the wrong resource was the target or the implementation documentation may be of assistance.",
            ),
        )
    }

    /// 400 PropertyMissing.
    pub fn property_missing(property: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "PropertyMissing",
                format!(
                    "The property {property} is a required property and must be included in the request."
                ),
                vec![property.into()],
                "Warning",
                "Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed.",
            ),
        )
    }

    /// 400 PropertyValueOutOfRange.
    pub fn value_out_of_range(property: &str, value: &str) -> Self {
        let mut m = msg(
            "PropertyValueOutOfRange",
            format!(
                "The value '{value}' for the property {property} is not in the supported range of acceptable values."
            ),
            vec![value.into(), property.into()],
            "Warning",
            "Correct the value for the property in the request body and resubmit the request if the operation failed.",
        );
        m.property = Some(format!("#/{}", property.replace('.', "/")));
        Self::one(StatusCode::BAD_REQUEST, m)
    }

    /// 400 StringValueTooLong.
    pub fn string_too_long(property: &str, value: &str, limit: usize) -> Self {
        let mut m = msg(
            "StringValueTooLong",
            format!("The string '{value}' exceeds the length limit {limit}."),
            vec![value.into(), limit.to_string()],
            "Warning",
            "Resubmit the request with an appropriate string length.",
        );
        m.property = Some(format!("#/{}", property.replace('.', "/")));
        Self::one(StatusCode::BAD_REQUEST, m)
    }

    /// 400 PropertyValueConflict: two properties of the request contradict each other.
    pub fn value_conflict(property: &str, other: &str) -> Self {
        let mut m = msg(
            "PropertyValueConflict",
            format!(
                "The property '{property}' could not be written because its value would conflict with the value of the '{other}' property."
            ),
            vec![property.into(), other.into()],
            "Warning",
            "No resolution is required.",
        );
        m.property = Some(format!("#/{}", property.replace('.', "/")));
        Self::one(StatusCode::BAD_REQUEST, m)
    }

    /// 400 QueryParameterValueFormatError.
    pub fn query_value_format(value: &str, parameter: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "QueryParameterValueFormatError",
                format!(
                    "The value '{value}' for the parameter {parameter} is not a format that the parameter can accept."
                ),
                vec![value.into(), parameter.into()],
                "Warning",
                "Correct the value for the query parameter in the request and resubmit the request if the operation failed.",
            ),
        )
    }

    /// 400 QueryParameterOutOfRange.
    pub fn query_out_of_range(value: &str, parameter: &str, range: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "QueryParameterOutOfRange",
                format!(
                    "The value '{value}' for the query parameter {parameter} is out of range {range}."
                ),
                vec![value.into(), parameter.into(), range.into()],
                "Warning",
                "Reduce the value for the query parameter to a value that is within range, such as a start or count value that is within bounds of the number of resources in a collection or a page that is within the range of valid pages.",
            ),
        )
    }

    /// 400 QueryCombinationInvalid.
    pub fn query_combination_invalid() -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "QueryCombinationInvalid",
                "Two or more query parameters in the request cannot be used together.".into(),
                vec![],
                "Warning",
                "Remove one or more of the query parameters and resubmit the request if the operation failed.",
            ),
        )
    }

    /// 501 QueryParameterUnsupported: a query parameter this service does not offer.
    pub fn query_parameter_unsupported(parameter: &str) -> Self {
        Self::one(
            StatusCode::NOT_IMPLEMENTED,
            msg(
                "QueryParameterUnsupported",
                format!("Query parameter '{parameter}' is not supported."),
                vec![parameter.into()],
                "Warning",
                "Correct or remove the query parameter and resubmit the request.",
            ),
        )
    }

    /// 412 HeaderInvalid: a precondition header the service cannot meet, such as an
    /// OData-Version other than 4.0 (DSP0266, "OData-Version" request header).
    pub fn header_precondition(header: &str) -> Self {
        Self::one(
            StatusCode::PRECONDITION_FAILED,
            msg(
                "HeaderInvalid",
                format!("The header '{header}' is invalid."),
                vec![header.into()],
                "Critical",
                "Resubmit the request with a valid request header.",
            ),
        )
    }

    /// 503 SessionLimitExceeded.
    pub fn session_limit() -> Self {
        Self::one(
            StatusCode::SERVICE_UNAVAILABLE,
            msg(
                "SessionLimitExceeded",
                "The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.".into(),
                vec![],
                "Critical",
                "Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions, if supported.",
            ),
        )
    }

    /// 400 HeaderMissing.
    pub fn header_missing(header: &str) -> Self {
        Self::one(
            StatusCode::BAD_REQUEST,
            msg(
                "HeaderMissing",
                format!("Required header '{header}' is missing in the request."),
                vec![header.into()],
                "Critical",
                "Resubmit the request with the required request header.",
            ),
        )
    }

    /// 409 ResourceAlreadyExists.
    pub fn already_exists(property: &str, value: &str) -> Self {
        Self::one(
            StatusCode::CONFLICT,
            msg(
                "ResourceAlreadyExists",
                format!(
                    "The requested resource of type ManagerAccount with the property {property} with the value '{value}' already exists."
                ),
                vec!["ManagerAccount".into(), property.into(), value.into()],
                "Critical",
                "Do not repeat the create operation as the resource has already been created.",
            ),
        )
    }

    /// The error body.
    pub fn body(&self) -> Value {
        let first = &self.messages[0];
        json!({
            "error": {
                "code": format!("{BASE}.{}", if self.messages.len() == 1 { first.id } else { "GeneralError" }),
                "message": if let Some(s) = &self.summary { s.clone() } else if self.messages.len() == 1 { first.text.clone() } else { "A general error has occurred. See Resolution for information on how to resolve the error, or @Message.ExtendedInfo if Resolution is not provided.".into() },
                "@Message.ExtendedInfo": self.messages.iter().map(Message::to_json).collect::<Vec<_>>(),
            }
        })
    }
}

impl IntoResponse for RedfishError {
    fn into_response(self) -> Response {
        let body = self.body();
        let mut r = (self.status, axum::Json(body)).into_response();
        let h = r.headers_mut();
        h.insert(
            super::protocol::ODATA_VERSION,
            HeaderValue::from_static("4.0"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"sidebridge\""),
            );
        }
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if let Some(a) = self.allow {
            h.insert(header::ALLOW, HeaderValue::from_static(a));
        }
        r
    }
}

/// Redfish results.
pub type RfResult<T> = Result<T, RedfishError>;
