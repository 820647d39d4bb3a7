//! Registers of the function being lowered: one per local, and
//! temporaries from per-type pools (and consecutive blocks pooled by
//! signature, for argument lists) that are released at the end of each
//! statement, so a function needs about as many registers as its largest
//! statement.

use super::function::FnLower;
use crate::limits::Limit;
use crate::types::Type;
use lang_bytecode::types::TypeId;
use lang_bytecode::Reg;

pub(super) enum Alloc {
    Temp(TypeId),
    Block(Vec<TypeId>),
}

impl<'b, 'p> FnLower<'b, 'p> {
    /// A count or index as a u16 operand; one that does not fit is an error
    /// (and 0 stands in for it).
    pub(super) fn operand(&mut self, n: usize) -> u16 {
        u16::try_from(n).unwrap_or_else(|_| {
            self.exceed(Limit::Operand);
            0
        })
    }

    pub(super) fn new_reg(&mut self, t: TypeId) -> Reg {
        match Reg::try_from(self.regs.len()) {
            Ok(r) if r < Reg::MAX => {
                self.regs.push(t);
                r
            }
            _ => {
                self.exceed(Limit::Registers);
                0
            }
        }
    }

    /// A temporary of type `t`, free again at the end of the statement.
    pub(super) fn temp(&mut self, t: TypeId) -> Reg {
        let (pool, used) = self.temps.entry(t).or_default();
        let r = if *used < pool.len() {
            pool[*used]
        } else {
            let r = match Reg::try_from(self.regs.len()) {
                Ok(r) if r < Reg::MAX => {
                    self.regs.push(t);
                    r
                }
                _ => {
                    self.exceed(Limit::Registers);
                    return 0;
                }
            };
            // Borrow again: `self.regs` was used above.
            let (pool, _) = self.temps.entry(t).or_default();
            pool.push(r);
            r
        };
        if let Some((_, used)) = self.temps.get_mut(&t) {
            *used += 1;
        }
        self.log.push(Alloc::Temp(t));
        r
    }

    pub(super) fn temp_of(&mut self, t: &Type) -> Reg {
        let id = self.mb.ty(t);
        self.temp(id)
    }

    /// Consecutive temporaries with the given types (an argument list).
    pub(super) fn block(&mut self, tys: Vec<TypeId>) -> Reg {
        if tys.is_empty() {
            return 0;
        }
        let (pool, used) = self.blocks.entry(tys.clone()).or_default();
        let start = if *used < pool.len() {
            pool[*used]
        } else {
            let start = self.regs.len();
            if start + tys.len() >= Reg::MAX as usize {
                self.exceed(Limit::Registers);
                return 0;
            }
            self.regs.extend_from_slice(&tys);
            let start = start as Reg;
            let (pool, _) = self.blocks.entry(tys.clone()).or_default();
            pool.push(start);
            start
        };
        if let Some((_, used)) = self.blocks.get_mut(&tys) {
            *used += 1;
        }
        self.log.push(Alloc::Block(tys));
        start
    }

    pub(super) fn mark(&self) -> usize {
        self.log.len()
    }

    /// Frees every temporary taken since `mark`.
    pub(super) fn release(&mut self, mark: usize) {
        while self.log.len() > mark {
            match self.log.pop() {
                Some(Alloc::Temp(t)) => {
                    if let Some((_, used)) = self.temps.get_mut(&t) {
                        *used = used.saturating_sub(1);
                    }
                }
                Some(Alloc::Block(tys)) => {
                    if let Some((_, used)) = self.blocks.get_mut(&tys) {
                        *used = used.saturating_sub(1);
                    }
                }
                None => break,
            }
        }
    }
}
