//! Array natives: `pop insert remove slice reverse clear index_of contains
//! sort join len push`. `sort_by`, which calls the program back, is
//! written in the language (`stdlib/prelude.src`), and the verifier
//! refuses its retired native.

use super::Args;
use crate::interp::Vm;
use crate::objects::array::{self, ElemKind};
use crate::program::TypeInfo;
use crate::trap::{internal, Trap, TrapKind};
use lang_bytecode::Native;

impl Vm<'_> {
    /// The element type of array argument `i`: (is a reference, its info).
    fn elem_of(&self, c: &Args, i: usize) -> Result<(ElemKind, TypeInfo), Trap> {
        match self.arg_info(c, i) {
            TypeInfo::Array { elem, elem_kind } => {
                Ok((*elem_kind, self.state.prog.ty(*elem).clone()))
            }
            _ => Err(internal("array native on a value that is not an array")),
        }
    }

    pub(super) fn native_array(&mut self, nat: Native, c: &Args) -> Result<(), Trap> {
        let a = self.arg_obj(c, 0)?;
        let (elem_kind, elem) = self.elem_of(c, 0)?;
        let elem_ref = elem_kind.is_ref();
        match nat {
            Native::ArrLen => {
                let n = array::len(&self.state.heap, a);
                self.set_result(c, n as u64);
            }
            Native::ArrPush => {
                let v = self.arg(c, 1);
                array::push(&mut self.state.heap, a, v, elem_ref)?;
            }
            Native::ArrPop => {
                let n = array::len(&self.state.heap, a);
                if n == 0 {
                    return Err(Trap::error(TrapKind::PopEmpty));
                }
                let v = array::remove(&mut self.state.heap, a, n as i64 - 1)?;
                self.set_result(c, v);
            }
            Native::ArrInsert => {
                let (i, v) = (self.arg_int(c, 1), self.arg(c, 2));
                array::insert(&mut self.state.heap, a, i, v, elem_ref)?;
            }
            Native::ArrRemove => {
                let i = self.arg_int(c, 1);
                let v = array::remove(&mut self.state.heap, a, i)?;
                self.set_result(c, v);
            }
            Native::ArrClear => array::clear(&mut self.state.heap, a),
            Native::ArrReverse => {
                let n = array::len(&self.state.heap, a);
                for i in 0..n / 2 {
                    let (x, y) = (
                        array::get(&self.state.heap, a, i),
                        array::get(&self.state.heap, a, n - 1 - i),
                    );
                    array::set(&mut self.state.heap, a, i, y, elem_ref);
                    array::set(&mut self.state.heap, a, n - 1 - i, x, elem_ref);
                }
            }
            Native::ArrSlice => {
                let (from, to) = (self.arg_int(c, 1), self.arg_int(c, 2));
                let n = array::len(&self.state.heap, a);
                if from < 0 || to < from || to as u64 > n as u64 {
                    return Err(Trap::error(TrapKind::SliceOutOfBounds {
                        from,
                        to,
                        len: n as u64,
                    }));
                }
                let (from, len) = (from as usize, (to - from) as usize);
                let out = array::new(&mut self.state.heap, elem_kind, len, len)?;
                // The allocation may have moved the array.
                let a = self.arg(c, 0);
                array::copy_elems(&mut self.state.heap, a, from, out, 0, len);
                self.set_result(c, out);
            }
            Native::ArrIndexOf | Native::ArrContains => {
                let x = self.arg(c, 1);
                let n = array::len(&self.state.heap, a);
                let found = (0..n)
                    .find(|&i| self.values_equal(&elem, array::get(&self.state.heap, a, i), x));
                let v = match (nat, found) {
                    (Native::ArrContains, f) => f.is_some() as u64,
                    (_, Some(i)) => i as u64,
                    (_, None) => -1i64 as u64,
                };
                self.set_result(c, v);
            }
            Native::ArrSort => {
                let n = array::len(&self.state.heap, a);
                let mut items: Vec<u64> =
                    (0..n).map(|i| array::get(&self.state.heap, a, i)).collect();
                match elem {
                    TypeInfo::Int => items.sort_unstable_by_key(|&v| v as i64),
                    TypeInfo::Float => {
                        items.sort_by(|x, y| f64::from_bits(*x).total_cmp(&f64::from_bits(*y)))
                    }
                    _ => {
                        let h = &self.state.heap;
                        items.sort_by(|x, y| h.str_bytes(*x).cmp(h.str_bytes(*y)));
                    }
                }
                for (i, v) in items.into_iter().enumerate() {
                    array::set(&mut self.state.heap, a, i, v, elem_ref);
                }
            }
            Native::ArrSortBy => {
                return Err(internal(
                    "the retired native `array.sort_by` reached the runtime",
                ))
            }
            Native::ArrJoin => {
                let n = array::len(&self.state.heap, a);
                let sep = self.state.heap.str_len(self.arg(c, 1));
                let mut total: usize = sep.saturating_mul(n.saturating_sub(1));
                for i in 0..n {
                    total = total.saturating_add(self.state.heap.str_len(array::get(
                        &self.state.heap,
                        a,
                        i,
                    )));
                }
                let s = self.state.heap.alloc_str_uninit(total)?;
                // The allocation may have moved the array and the strings.
                let (a, sep_s) = (self.arg(c, 0), self.arg(c, 1));
                let mut at = 0;
                for i in 0..n.min(array::len(&self.state.heap, a)) {
                    if i > 0 && sep > 0 {
                        self.state.heap.copy_str_into(sep_s, s, at);
                        at += sep;
                    }
                    let item = array::get(&self.state.heap, a, i);
                    self.state.heap.copy_str_into(item, s, at);
                    at += self.state.heap.str_len(item);
                }
                self.set_result(c, s);
            }
            _ => {
                return Err(internal(format!(
                    "native {} is not an array native",
                    nat.name()
                )))
            }
        }
        Ok(())
    }

    /// `==` as the language defines it for values of type `t`: strings by
    /// content, floats by IEEE equality, everything else by identity/bits.
    pub(crate) fn values_equal(&self, t: &TypeInfo, x: u64, y: u64) -> bool {
        match t {
            TypeInfo::Str => x == y || self.state.heap.str_bytes(x) == self.state.heap.str_bytes(y),
            TypeInfo::Float => f64::from_bits(x) == f64::from_bits(y),
            TypeInfo::Bool => (x != 0) == (y != 0),
            _ => x == y,
        }
    }
}
