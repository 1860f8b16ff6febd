"""The pipeline's pure stages: load, validate, build IR, render, format, write. Nothing here caches,
starts a process, or imports ``generator.speed``."""
