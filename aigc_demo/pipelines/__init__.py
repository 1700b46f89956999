"""User-facing pipelines: plain arguments in (prompt, class, seed, n), plain results out
(PIL images, numpy audio, strings) with metadata. UI code never sees a tensor or a device."""
