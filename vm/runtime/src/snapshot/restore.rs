//! Rebuilds a checked image's state in a fresh heap: every object is
//! allocated first (each held in the scratch roots, so a moving collection
//! keeps them current), then their slots are filled, then maps are rebuilt
//! by inserting their entries (indexes are never read from an image), and
//! last the globals and frames are laid out on the VM stack.

use super::image::{Image, Object};
use crate::heap::roots::FrameRec;
use crate::heap::Heap;
use crate::objects::{array, map};
use crate::program::{Program, TypeInfo};
use crate::trap::Trap;
use lang_bytecode::TypeId;

/// Restores `img` (already `check`ed against `prog`) into `heap`, whose
/// globals are sized for `prog` and whose frame stack is empty.
pub fn restore(heap: &mut Heap, prog: &Program, img: &Image) -> Result<(), String> {
    let oom = |_| "the heap limit is too small for the image".to_string();
    let mark = heap.root_mark();
    for o in &img.objects {
        let a = match o {
            Object::Str(bytes) => heap.alloc_str(bytes).map_err(oom)?,
            Object::Array { ty, elems } => {
                let kind = match prog.ty(*ty) {
                    TypeInfo::Array { elem_kind, .. } => *elem_kind,
                    _ => array::ElemKind::Word,
                };
                array::new(heap, kind, elems.len(), elems.len()).map_err(oom)?
            }
            Object::Map { .. } => map::new(heap).map_err(oom)?,
            Object::Struct { index, fields } => {
                let shape = prog
                    .struct_shapes
                    .get(*index as usize)
                    .copied()
                    .unwrap_or(0);
                heap.alloc_fixed(shape, *index, fields.len()).map_err(oom)?
            }
            Object::Variant {
                index,
                variant,
                fields,
            } => {
                let shape = prog
                    .variant_shapes
                    .get(*index as usize)
                    .and_then(|v| v.get(*variant as usize))
                    .copied()
                    .unwrap_or(0);
                heap.alloc_fixed(shape, *variant, fields.len())
                    .map_err(oom)?
            }
            Object::Closure { func, captures } => {
                let shape = prog
                    .funcs
                    .get(*func as usize)
                    .map_or(0, |f| f.closure_shape);
                heap.alloc_fixed(shape, *func, captures.len())
                    .map_err(oom)?
            }
            Object::Cell { ty, .. } => {
                let shape = match prog.ty(*ty) {
                    TypeInfo::Cell { shape, .. } => *shape,
                    _ => 0,
                };
                heap.alloc_fixed(shape, 0, 1).map_err(oom)?
            }
        };
        heap.push_root(a);
    }
    // An image value as a heap value: object numbers become addresses.
    let live = |heap: &Heap, v: u64, ty: TypeId| {
        if v != 0 && prog.ty(ty).is_ref() {
            heap.root(mark + (v - 1) as usize)
        } else {
            v
        }
    };
    let fill = |heap: &mut Heap, o: u64, vs: &[u64], tys: &mut dyn Iterator<Item = TypeId>| {
        for (i, (&v, t)) in vs.iter().zip(tys).enumerate() {
            let x = live(heap, v, t);
            if prog.ty(t).is_ref() {
                heap.store_ref(o, i, x);
            } else {
                heap.store(o, i, x);
            }
        }
    };
    for (n, o) in img.objects.iter().enumerate() {
        let a = heap.root(mark + n);
        match o {
            Object::Str(_) | Object::Map { .. } => {}
            Object::Array { ty, elems } => {
                if let TypeInfo::Array { elem, elem_kind } = *prog.ty(*ty) {
                    for (i, &v) in elems.iter().enumerate() {
                        let x = live(heap, v, elem);
                        array::set(heap, a, i, x, elem_kind.is_ref());
                    }
                }
            }
            Object::Struct { index, fields } => {
                if let Some(def) = prog.module.structs.get(*index as usize) {
                    fill(heap, a, fields, &mut def.fields.iter().map(|f| f.ty));
                }
            }
            Object::Variant {
                index,
                variant,
                fields,
            } => {
                if let Some(v) = prog
                    .module
                    .enums
                    .get(*index as usize)
                    .and_then(|e| e.variants.get(*variant as usize))
                {
                    fill(heap, a, fields, &mut v.fields.iter().copied());
                }
            }
            Object::Closure { func, captures } => {
                if let Some(f) = prog.funcs.get(*func as usize) {
                    fill(heap, a, captures, &mut f.captures.iter().copied());
                }
            }
            Object::Cell { ty, value } => {
                if let TypeInfo::Cell { inner, .. } = *prog.ty(*ty) {
                    fill(heap, a, &[*value], &mut std::iter::once(inner));
                }
            }
        }
    }
    for (n, o) in img.objects.iter().enumerate() {
        let Object::Map { ty, entries } = o else {
            continue;
        };
        let TypeInfo::Map {
            key,
            val,
            kind,
            val_ref,
        } = *prog.ty(*ty)
        else {
            continue;
        };
        for (i, &(k, v)) in entries.iter().enumerate() {
            let m = heap.root(mark + n);
            let (k, v) = (live(heap, k, key), live(heap, v, val));
            if map::get(heap, m, kind, k).is_some() {
                return Err(format!("object {n}: key {i} is there twice"));
            }
            let kind = map::MapKind { key: kind, val_ref };
            map::insert(heap, m, kind, k, v).map_err(|e| match e {
                Trap::Error(_) => format!("object {n}: the map cannot hold its entries"),
                _ => "the heap limit is too small for the image".to_string(),
            })?;
        }
    }
    for (i, (&v, g)) in img.globals.iter().zip(&prog.module.globals).enumerate() {
        let x = live(heap, v, g.ty);
        if let Some(slot) = heap.roots.globals.get_mut(i) {
            *slot = x;
        }
    }
    let mut base = 0usize;
    for fr in &img.frames {
        let nregs = prog.funcs.get(fr.func as usize).map_or(0, |f| f.nregs);
        let types = prog.funcs.get(fr.func as usize).map(|f| &f.reg_types[..]);
        for (r, (&v, &t)) in fr.regs.iter().zip(types.unwrap_or(&[])).enumerate() {
            let x = live(heap, v, t);
            if let Some(slot) = heap.roots.stack.get_mut(base + r) {
                *slot = x;
            }
        }
        let closure = if fr.closure == 0 {
            0
        } else {
            heap.root(mark + (fr.closure - 1) as usize)
        };
        let pushed = heap.roots.frames.push(FrameRec {
            func: fr.func,
            base: base as u32,
            pc: fr.pc,
            dest: fr.dest,
            closure,
        });
        if !pushed {
            return Err("too many frames".into());
        }
        base += nregs;
    }
    heap.truncate_roots(mark);
    Ok(())
}
