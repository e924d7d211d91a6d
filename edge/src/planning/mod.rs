//! The planning model of a project: requirements (`R-N`), the tasks under them (`T-N`) with
//! their dependencies, task comments, and [`items`], which resolves whatever a handle names.
//! Requirements and tasks refer to each other (a requirement's delete takes its tasks; a
//! task names its requirement): that cycle stays inside this folder.

pub mod comments;
pub mod items;
pub mod requirements;
pub mod tasks;
