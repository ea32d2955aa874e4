//! Digest emails (in progress).
