-- A worker's session worktrees on disk, as its daemon reports them with its heartbeat (after
-- each cleanup): written with the heartbeat's own rate-limited update, so it costs no write.
ALTER TABLE workers ADD COLUMN worktree_count INTEGER;
ALTER TABLE workers ADD COLUMN worktree_bytes INTEGER;
