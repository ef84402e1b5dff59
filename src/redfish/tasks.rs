//! `TaskService`: tasks for operations a card completes later (reset, media insert).

use super::auth::{Caller, Privilege};
use super::error::{RedfishError, RfResult};
use super::mapping::{self, rfc3339, task_messages, task_name, task_target, task_uri};
use super::service::odata_type;
use super::{Shared, collection, methods, resource};
use crate::cards::{Task, TaskState};
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

/// The Task body.
pub fn task_body(t: &Task) -> Value {
    let mut v = json!({
        "@odata.id": task_uri(t.id),
        "@odata.type": odata_type("Task"),
        "Id": t.id.to_string(),
        "Name": task_name(t, super::systems::reset_name),
        "TaskState": match t.state { TaskState::Running => "Running", TaskState::Completed => "Completed", TaskState::Exception => "Exception" },
        "TaskStatus": match t.state { TaskState::Exception => "Critical", _ => "OK" },
        "StartTime": rfc3339(t.start),
        "PercentComplete": t.percent,
        "Messages": task_messages(t),
        "Payload": { "TargetUri": task_target(t) }
    });
    if let Some(end) = t.end {
        v["EndTime"] = json!(rfc3339(end));
    }
    v
}

async fn service(Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    Ok(resource(
        json!({
            "@odata.id": "/redfish/v1/TaskService",
            "@odata.type": odata_type("TaskService"),
            "Id": "TaskService",
            "Name": "Task Service",
            "ServiceEnabled": true,
            "CompletedTaskOverWritePolicy": "Oldest",
            "LifeCycleEventOnTaskStateChange": true,
            "Tasks": { "@odata.id": "/redfish/v1/TaskService/Tasks" },
            "Status": { "State": "Enabled", "Health": "OK" }
        }),
        "GET",
    ))
}

async fn list(State(state): State<Shared>, Extension(c): Extension<Caller>) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let ids = state.cards.tasks().into_iter().map(|t| task_uri(t.id));
    Ok(resource(
        collection(
            "/redfish/v1/TaskService/Tasks",
            "TaskCollection",
            "Task Collection",
            ids,
        ),
        "GET",
    ))
}

async fn task(
    State(state): State<Shared>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> RfResult<Response> {
    c.require(Privilege::Login)?;
    let task = id
        .parse::<u64>()
        .map_err(|_| RedfishError::not_found("Task", &id))
        .and_then(|n| {
            state
                .cards
                .task(n)
                .map_err(|e| mapping::card_error(&e, mapping::Context::Read("Task")))
        })?;
    Ok(resource(task_body(&task), "GET"))
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/redfish/v1/TaskService", methods(get(service), "GET"))
        .route("/redfish/v1/TaskService/Tasks", methods(get(list), "GET"))
        .route(
            "/redfish/v1/TaskService/Tasks/{id}",
            methods(get(task), "GET"),
        )
}
