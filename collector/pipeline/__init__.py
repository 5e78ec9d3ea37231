"""From samples to stored rows: sessionizer, sampler loop, policy watcher, pause flag."""
