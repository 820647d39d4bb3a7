//! The disassembler (being written).
