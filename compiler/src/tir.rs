//! stub
pub struct Program;
