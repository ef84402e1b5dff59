//! Long operations a card completes later (reset, media insert): a bounded table of
//! tasks, each finished by the card's OperationCompleted event or by polling.

use sidebridge_protocol::oem::{MediaSlot, ResetType};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// How many tasks are kept; the oldest goes first.
pub const TASKS_KEPT: usize = 100;

/// A task's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Running on the card.
    Running,
    /// Done.
    Completed,
    /// Failed.
    Exception,
}

/// What a task does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskKind {
    /// Resets the card's host.
    Reset(ResetType),
    /// Inserts an image into a virtual media slot.
    InsertMedia {
        /// The slot.
        slot: MediaSlot,
        /// The image URI.
        image: String,
    },
}

/// An operation the card completes later.
#[derive(Debug, Clone)]
pub struct Task {
    /// Id, increasing from 1.
    pub id: u64,
    /// The card it acts on.
    pub card: String,
    /// What it does.
    pub kind: TaskKind,
    /// State.
    pub state: TaskState,
    /// When it started.
    pub start: SystemTime,
    /// When it ended.
    pub end: Option<SystemTime>,
    /// Percent done.
    pub percent: u8,
    /// Why it failed, once it has.
    pub failure: Option<String>,
}

/// The task table.
#[derive(Debug, Default)]
pub(crate) struct Tasks {
    next: u64,
    table: BTreeMap<u64, Task>,
}

impl Tasks {
    /// Starts a task; the oldest are forgotten past [`TASKS_KEPT`].
    pub(crate) fn start(&mut self, card: &str, kind: TaskKind) -> u64 {
        self.next += 1;
        while self.table.len() >= TASKS_KEPT {
            self.table.pop_first();
        }
        self.table.insert(
            self.next,
            Task {
                id: self.next,
                card: card.to_string(),
                kind,
                state: TaskState::Running,
                start: SystemTime::now(),
                end: None,
                percent: 0,
                failure: None,
            },
        );
        self.next
    }

    /// Ends a task: completed, or failed with a reason.
    pub(crate) fn finish(&mut self, id: u64, outcome: Result<(), String>) {
        if let Some(t) = self.table.get_mut(&id) {
            t.state = if outcome.is_ok() {
                TaskState::Completed
            } else {
                TaskState::Exception
            };
            t.failure = outcome.err();
            t.end = Some(SystemTime::now());
            t.percent = 100;
        }
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Task> {
        self.table.get(&id)
    }

    pub(crate) fn all(&self) -> Vec<Task> {
        self.table.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_bounded_and_keeps_the_newest() {
        let mut t = Tasks::default();
        for _ in 0..TASKS_KEPT + 5 {
            t.start("c", TaskKind::Reset(ResetType::On));
        }
        let all = t.all();
        assert_eq!(all.len(), TASKS_KEPT);
        assert_eq!(all[0].id, 6);
        t.finish(6, Err("card said no".into()));
        let task = t.get(6).unwrap();
        assert_eq!(task.state, TaskState::Exception);
        assert_eq!(task.failure.as_deref(), Some("card said no"));
        assert_eq!(task.percent, 100);
        t.finish(7, Ok(()));
        assert_eq!(t.get(7).unwrap().state, TaskState::Completed);
    }
}
