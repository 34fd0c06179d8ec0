//! Support shared by the decoding and engine tests.
