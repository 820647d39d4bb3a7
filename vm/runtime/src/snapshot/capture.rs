//! Turns a running program's state into an `Image`: objects are numbered
//! breadth-first from the roots (globals by id, then frames outermost
//! first, each frame's closure then its registers; each object's slots in
//! layout order), and each is written in module terms, found from the
//! static type of the slot that first reached it and its header's aux word.
//! Nothing host-specific (addresses, shape ids, capacities, map indexes,
//! tombstones) enters the image, so equal states give equal bytes.

use super::image::{Frame, HostState, Image, Object};
use crate::heap::shape;
use crate::objects::{array, map};
use crate::program::{Program, TypeInfo};
use crate::state::VmState;
use lang_bytecode::TypeId;
use std::collections::{HashMap, VecDeque};

/// Numbers objects as they are first reached.
struct Numbering<'a> {
    prog: &'a Program,
    numbers: HashMap<u64, u64>,
    queue: VecDeque<(u64, TypeId)>,
}

impl Numbering<'_> {
    /// The image value of a slot of type `ty` holding `v`.
    fn value(&mut self, v: u64, ty: TypeId) -> u64 {
        if !self.prog.ty(ty).is_ref() || v == 0 {
            return v;
        }
        if let Some(&n) = self.numbers.get(&v) {
            return n + 1;
        }
        let n = self.numbers.len() as u64;
        self.numbers.insert(v, n);
        self.queue.push_back((v, ty));
        n + 1
    }

    fn values(&mut self, vs: impl Iterator<Item = (u64, TypeId)>) -> Vec<u64> {
        vs.map(|(v, t)| self.value(v, t)).collect()
    }
}

/// The image of `state` (whose module's bytes are `code`) with the
/// host-side facts `host`. The caller makes sure no native is running
/// and every frame is interpreted.
pub fn capture(state: &VmState<'_>, code: &[u8], host: HostState) -> Result<Image, String> {
    let prog = state.prog;
    let heap = &state.heap;
    let roots = &heap.roots;
    let mut num = Numbering {
        prog,
        numbers: HashMap::new(),
        queue: VecDeque::new(),
    };
    let globals = num.values(
        roots
            .globals
            .iter()
            .zip(&prog.module.globals)
            .map(|(&v, g)| (v, g.ty)),
    );
    let mut frames = Vec::with_capacity(roots.frames.len());
    for fr in roots.frames.iter() {
        let f = prog
            .funcs
            .get(fr.func as usize)
            .ok_or("a frame of an unknown function")?;
        let closure = if fr.closure == 0 {
            0
        } else {
            // A closure is reached through no typed slot here, so it is
            // numbered as a value of a function type: any `Func` type does.
            let func_ty = prog
                .types
                .iter()
                .position(|t| *t == TypeInfo::Func)
                .ok_or("a closure in a module without function types")?;
            num.value(fr.closure, func_ty as TypeId)
        };
        let base = fr.base as usize;
        let regs = roots
            .stack
            .get(base..base + f.nregs)
            .ok_or("a frame past the VM stack")?;
        let regs = num.values(regs.iter().copied().zip(f.reg_types.iter().copied()));
        frames.push(Frame {
            func: fr.func,
            pc: fr.pc,
            dest: fr.dest,
            closure,
            regs,
        });
    }
    let mut objects = Vec::new();
    while let Some((o, ty)) = num.queue.pop_front() {
        let obj = match prog.ty(ty) {
            TypeInfo::Str => Object::Str(heap.str_bytes(o).to_vec()),
            TypeInfo::Array { elem, .. } => {
                let elem = *elem;
                let n = array::len(heap, o);
                let elems = (0..n).map(|i| (array::get(heap, o, i), elem));
                Object::Array {
                    ty,
                    elems: num.values(elems.collect::<Vec<_>>().into_iter()),
                }
            }
            TypeInfo::Map { key, val, .. } => {
                let (key, val) = (*key, *val);
                let mut entries = Vec::with_capacity(map::len(heap, o));
                for e in 0..map::used(heap, o) {
                    if map::is_live(heap, o, e) {
                        let k = num.value(map::key_at(heap, o, e), key);
                        let v = num.value(map::value_at(heap, o, e), val);
                        entries.push((k, v));
                    }
                }
                Object::Map { ty, entries }
            }
            TypeInfo::Struct(_) | TypeInfo::Trait(_) => {
                let index = heap.aux(o);
                let def = prog
                    .module
                    .structs
                    .get(index as usize)
                    .ok_or("an object of an unknown struct")?;
                let fields: Vec<_> = def
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (heap.load(o, i), f.ty))
                    .collect();
                Object::Struct {
                    index,
                    fields: num.values(fields.into_iter()),
                }
            }
            TypeInfo::Enum(e) => {
                let (index, variant) = (*e, heap.aux(o));
                let def = prog
                    .module
                    .enums
                    .get(index as usize)
                    .and_then(|d| d.variants.get(variant as usize))
                    .ok_or("an object of an unknown enum variant")?;
                let fields: Vec<_> = def
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, &t)| (heap.load(o, i), t))
                    .collect();
                Object::Variant {
                    index,
                    variant,
                    fields: num.values(fields.into_iter()),
                }
            }
            TypeInfo::Func => {
                let func = heap.aux(o);
                let f = prog
                    .funcs
                    .get(func as usize)
                    .ok_or("a closure of an unknown function")?;
                let caps: Vec<_> = f
                    .captures
                    .iter()
                    .enumerate()
                    .map(|(i, &t)| (heap.load(o, i), t))
                    .collect();
                Object::Closure {
                    func,
                    captures: num.values(caps.into_iter()),
                }
            }
            TypeInfo::Cell { inner, .. } => {
                let inner = *inner;
                Object::Cell {
                    ty,
                    value: num.value(heap.load(o, 0), inner),
                }
            }
            TypeInfo::Int | TypeInfo::Float | TypeInfo::Bool => {
                return Err("a plain value queued as an object".into())
            }
        };
        // The header must agree with the kind the static type implies;
        // anything else is a runtime bug that would make a wrong image.
        let s = heap.shape_of(o);
        let agrees = match &obj {
            Object::Str(_) => s == shape::SHAPE_STR,
            Object::Array { .. } => s == shape::SHAPE_ARRAY,
            Object::Map { .. } => s == shape::SHAPE_MAP,
            _ => s > shape::SHAPE_BUFFER,
        };
        if !agrees {
            return Err(format!(
                "an object's header (shape {s}) disagrees with its type"
            ));
        }
        objects.push(obj);
    }
    Ok(Image {
        code: code.to_vec(),
        host,
        globals,
        frames,
        objects,
    })
}
