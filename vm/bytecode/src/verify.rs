//! The verifier (being written).
use crate::module::Module;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub function: Option<String>,
    pub pc: Option<usize>,
    pub message: String,
}

pub fn verify(_m: &Module) -> Result<(), VerifyError> {
    Ok(())
}
