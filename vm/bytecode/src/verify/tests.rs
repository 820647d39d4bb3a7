//! Unit tests of the verifier: one or more per rule class.
