//! Rebuild a task (status, artifacts) from the events of a stream, with the same rules as the
//! a2a-sdk task manager: an artifact chunk with `append: false` adds the artifact or replaces the
//! one with its id; `append: true` adds its parts to it; appending to an unknown id is a protocol
//! violation.

use serde::Serialize;

use super::types::{Artifact, StreamEvent, Task, TaskArtifactUpdateEvent, TaskState};
use crate::error::{Error, ErrorKind, Result};

/// Folds stream events into the task they describe.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskAssembler {
    /// The task as known so far (from the opening snapshot, then updated).
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<Task>,
    /// Artifacts in the order they first appeared.
    artifacts: Vec<Artifact>,
    /// Ids of artifacts whose `lastChunk` arrived.
    complete: Vec<String>,
}

impl TaskAssembler {
    /// An assembler that has seen no event yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Apply one event. A `Task` (the opening snapshot, also on resubscribe) resets the state to it.
    pub fn apply(&mut self, event: &StreamEvent) -> Result<()> {
        match event {
            StreamEvent::Task(t) => {
                self.artifacts = t.artifacts.clone();
                self.complete.clear();
                self.task = Some(t.clone());
            }
            StreamEvent::Message(_) => {}
            StreamEvent::StatusUpdate(s) => {
                if let Some(t) = &mut self.task {
                    t.status = s.status.clone();
                }
            }
            StreamEvent::ArtifactUpdate(a) => self.chunk(a)?,
        }
        if let Some(t) = &mut self.task {
            t.artifacts = self.artifacts.clone();
        }
        Ok(())
    }

    fn chunk(&mut self, a: &TaskArtifactUpdateEvent) -> Result<()> {
        let id = &a.artifact.artifact_id;
        let existing = self.artifacts.iter_mut().find(|x| &x.artifact_id == id);
        match (a.append, existing) {
            (false, Some(x)) => *x = a.artifact.clone(),
            (false, None) => self.artifacts.push(a.artifact.clone()),
            (true, Some(x)) => {
                x.parts.extend(a.artifact.parts.iter().cloned());
                if let Some(m) = &a.artifact.metadata {
                    x.metadata = Some(m.clone());
                }
            }
            (true, None) => {
                return Err(Error::new(
                    ErrorKind::InvalidAgentResponse,
                    format!("the agent appended to artifact {id:?}, which it never started"),
                ));
            }
        }
        self.complete.retain(|c| c != id);
        if a.last_chunk {
            self.complete.push(id.clone());
        }
        Ok(())
    }

    /// Every artifact assembled so far.
    pub fn artifacts(&self) -> &[Artifact] {
        &self.artifacts
    }

    /// The artifact with this id.
    pub fn artifact(&self, id: &str) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.artifact_id == id)
    }

    /// Whether the artifact's last chunk arrived.
    pub fn is_complete(&self, id: &str) -> bool {
        self.complete.iter().any(|c| c == id)
    }

    /// The task with every update applied (None before the opening snapshot).
    pub fn task(&self) -> Option<&Task> {
        self.task.as_ref()
    }

    /// The latest known state.
    pub fn state(&self) -> Option<TaskState> {
        self.task.as_ref().map(|t| t.status.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::a2a::types::*;

    fn chunk(id: &str, text: &str, append: bool, last: bool) -> StreamEvent {
        StreamEvent::ArtifactUpdate(TaskArtifactUpdateEvent {
            artifact: Artifact { artifact_id: id.into(), parts: vec![Part::text(text)], ..Default::default() },
            append,
            last_chunk: last,
            ..Default::default()
        })
    }

    #[test]
    fn append_and_replace() {
        let mut a = TaskAssembler::new();
        a.apply(&StreamEvent::Task(Task { id: "t".into(), ..Default::default() })).unwrap();
        a.apply(&chunk("x", "hello", false, false)).unwrap();
        a.apply(&chunk("x", " big", true, false)).unwrap();
        assert!(!a.is_complete("x"));
        a.apply(&chunk("x", " world", true, true)).unwrap();
        assert_eq!(a.artifact("x").unwrap().text(), "hello big world");
        assert!(a.is_complete("x"));
        a.apply(&chunk("y", "other", false, true)).unwrap();
        a.apply(&chunk("x", "new", false, true)).unwrap();
        assert_eq!(a.artifacts().iter().map(Artifact::text).collect::<Vec<_>>(), ["new", "other"]);
        assert_eq!(a.task().unwrap().artifacts.len(), 2);
        let done = StreamEvent::StatusUpdate(TaskStatusUpdateEvent {
            status: TaskStatus { state: TaskState::Completed, ..Default::default() },
            ..Default::default()
        });
        a.apply(&done).unwrap();
        assert_eq!(a.state(), Some(TaskState::Completed));
    }

    #[test]
    fn append_to_unknown_artifact_is_typed() {
        let e = TaskAssembler::new().apply(&chunk("x", "a", true, false)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidAgentResponse);
    }
}
