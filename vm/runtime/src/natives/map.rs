//! Map natives: `len get has remove keys values`.

use super::Args;
use crate::interp::Vm;
use crate::objects::{array, map};
use crate::program::TypeInfo;
use crate::trap::{internal, Trap};
use lang_bytecode::Native;

impl Vm<'_> {
    pub(super) fn native_map(&mut self, nat: Native, c: &Args) -> Result<(), Trap> {
        let m = self.arg_obj(c, 0)?;
        let (kind, key_elems, val_elems) = match self.arg_info(c, 0) {
            TypeInfo::Map { kind, key, val, .. } => (
                *kind,
                self.state.prog.ty(*key).elem_kind(),
                self.state.prog.ty(*val).elem_kind(),
            ),
            _ => return Err(internal("map native on a value that is not a map")),
        };
        match nat {
            Native::MapLen => {
                let n = map::len(&self.state.heap, m);
                self.set_result(c, n as u64);
            }
            Native::MapGetOr => {
                let v = map::get(&self.state.heap, m, kind, self.arg(c, 1))
                    .unwrap_or_else(|| self.arg(c, 2));
                self.set_result(c, v);
            }
            Native::MapHas => {
                let found = map::find(&self.state.heap, m, kind, self.arg(c, 1)).is_some();
                self.set_result(c, found as u64);
            }
            Native::MapRemove => {
                let k = self.arg(c, 1);
                map::remove(&mut self.state.heap, m, kind, k);
            }
            Native::MapKeys | Native::MapValues => {
                let keys = nat == Native::MapKeys;
                let n = map::len(&self.state.heap, m);
                let out = array::new(
                    &mut self.state.heap,
                    if keys { key_elems } else { val_elems },
                    n,
                    n,
                )?;
                // The allocation may have moved the map.
                let m = self.arg(c, 0);
                let mut k = 0;
                for e in 0..map::used(&self.state.heap, m) {
                    if k == n {
                        break;
                    }
                    if !map::is_live(&self.state.heap, m, e) {
                        continue;
                    }
                    let v = if keys {
                        map::key_at(&self.state.heap, m, e)
                    } else {
                        map::value_at(&self.state.heap, m, e)
                    };
                    array::set(
                        &mut self.state.heap,
                        out,
                        k,
                        v,
                        if keys { key_elems } else { val_elems }.is_ref(),
                    );
                    k += 1;
                }
                self.set_result(c, out);
            }
            _ => {
                return Err(internal(format!(
                    "native {} is not a map native",
                    nat.name()
                )))
            }
        }
        Ok(())
    }
}
