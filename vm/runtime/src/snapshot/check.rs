//! Checks an image against the program it carries, as thoroughly as the
//! verifier checks a `.bc`: an image is untrusted input. After `check`
//! passes, every object number is in range and every value is of its
//! slot's static type, so `restore` builds a heap the interpreter's
//! unchecked reads are sound on.

use super::image::{Image, Object};
use crate::interp::{MAX_FRAMES, VM_STACK_SLOTS};
use crate::program::{Program, TypeInfo, NO_METHOD};
use lang_bytecode::{Instr, Native, Type, TypeId};

/// Checks `img` against `prog`; the error says what is wrong.
pub fn check(img: &Image, prog: &Program) -> Result<(), String> {
    let c = Checker { img, prog };
    let m = &prog.module;
    if img.globals.len() != m.globals.len() {
        return Err(format!(
            "the image has {} globals; the module has {}",
            img.globals.len(),
            m.globals.len()
        ));
    }
    for (i, (&v, g)) in img.globals.iter().zip(&m.globals).enumerate() {
        c.value(v, g.ty).map_err(|e| format!("global {i}: {e}"))?;
    }
    c.frames()?;
    for (n, o) in img.objects.iter().enumerate() {
        c.object(o).map_err(|e| format!("object {n}: {e}"))?;
    }
    Ok(())
}

struct Checker<'a> {
    img: &'a Image,
    prog: &'a Program,
}

impl Checker<'_> {
    /// The object a reference value names (`None` for nil).
    fn target(&self, v: u64) -> Result<Option<&Object>, String> {
        if v == 0 {
            return Ok(None);
        }
        match self.img.objects.get((v - 1) as usize) {
            Some(o) => Ok(Some(o)),
            None => Err(format!(
                "object number {} past the {} objects",
                v - 1,
                self.img.objects.len()
            )),
        }
    }

    /// Checks a value in a slot of static type `ty`.
    fn value(&self, v: u64, ty: TypeId) -> Result<(), String> {
        let Some(info) = self.prog.types.get(ty as usize) else {
            return Err(format!("unknown type {ty}"));
        };
        match info {
            TypeInfo::Int | TypeInfo::Float => return Ok(()),
            TypeInfo::Bool if v <= 1 => return Ok(()),
            TypeInfo::Bool => return Err(format!("bool slot holds {v}")),
            _ => {}
        }
        // Every reference slot admits nil: fresh registers are nil, and
        // the instructions that use one check it.
        let Some(o) = self.target(v)? else {
            return Ok(());
        };
        let fits = match (info, o) {
            (TypeInfo::Str, Object::Str(_)) => true,
            (TypeInfo::Array { .. }, Object::Array { ty: t, .. })
            | (TypeInfo::Map { .. }, Object::Map { ty: t, .. })
            | (TypeInfo::Cell { .. }, Object::Cell { ty: t, .. }) => *t == ty,
            (TypeInfo::Struct(s), Object::Struct { index, .. }) => s == index,
            (TypeInfo::Trait(t), Object::Struct { index, .. }) => self.implements(*index, *t),
            (TypeInfo::Enum(e), Object::Variant { index, .. }) => e == index,
            (TypeInfo::Func, Object::Closure { func, .. }) => self.signature_fits(*func, ty),
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(format!("object {} is not of the slot's type {ty}", v - 1))
        }
    }

    /// Whether struct `s` implements every method of trait `t`.
    fn implements(&self, s: u32, t: u32) -> bool {
        let Some(vt) = self.prog.vtables.get(t as usize) else {
            return false;
        };
        (0..vt.methods).all(|m| {
            vt.funcs
                .get(s as usize * vt.methods + m)
                .is_some_and(|&f| f != NO_METHOD)
        })
    }

    /// Whether function `func` has the signature of function type `ty`.
    fn signature_fits(&self, func: u32, ty: TypeId) -> bool {
        let (Some(f), Some(Type::Func { params, ret })) = (
            self.prog.funcs.get(func as usize),
            self.prog.module.type_at(ty),
        ) else {
            return false;
        };
        f.params == params.len()
            && f.reg_types.get(..f.params) == Some(&params[..])
            && f.ret == *ret
    }

    /// Checks every value of a list against its types (same length).
    fn values(&self, vs: &[u64], tys: &[TypeId], what: &str) -> Result<(), String> {
        if vs.len() != tys.len() {
            return Err(format!(
                "{} {what} where the type has {}",
                vs.len(),
                tys.len()
            ));
        }
        for (i, (&v, &t)) in vs.iter().zip(tys).enumerate() {
            self.value(v, t).map_err(|e| format!("{what} {i}: {e}"))?;
        }
        Ok(())
    }

    fn object(&self, o: &Object) -> Result<(), String> {
        let prog = self.prog;
        match o {
            Object::Str(bytes) => std::str::from_utf8(bytes)
                .map(|_| ())
                .map_err(|_| "a string that is not UTF-8".to_string()),
            Object::Array { ty, elems } => match prog.types.get(*ty as usize) {
                Some(TypeInfo::Array { elem, .. }) => {
                    for (i, &v) in elems.iter().enumerate() {
                        self.value(v, *elem)
                            .map_err(|e| format!("element {i}: {e}"))?;
                    }
                    Ok(())
                }
                _ => Err(format!("an array of type {ty}, which is no array type")),
            },
            Object::Map { ty, entries } => match prog.types.get(*ty as usize) {
                Some(TypeInfo::Map { key, val, .. }) => {
                    for (i, &(k, v)) in entries.iter().enumerate() {
                        self.value(k, *key).map_err(|e| format!("key {i}: {e}"))?;
                        self.value(v, *val).map_err(|e| format!("value {i}: {e}"))?;
                        if k == 0 && prog.ty(*key).is_ref() {
                            return Err(format!("key {i} is nil"));
                        }
                    }
                    // Uniqueness of keys is checked as `restore` inserts
                    // them, where their hashes are at hand.
                    Ok(())
                }
                _ => Err(format!("a map of type {ty}, which is no map type")),
            },
            Object::Struct { index, fields } => {
                let def = prog
                    .module
                    .structs
                    .get(*index as usize)
                    .ok_or_else(|| format!("unknown struct {index}"))?;
                let tys: Vec<TypeId> = def.fields.iter().map(|f| f.ty).collect();
                self.values(fields, &tys, "field")
            }
            Object::Variant {
                index,
                variant,
                fields,
            } => {
                let def = prog
                    .module
                    .enums
                    .get(*index as usize)
                    .and_then(|e| e.variants.get(*variant as usize))
                    .ok_or_else(|| format!("unknown variant {variant} of enum {index}"))?;
                self.values(fields, &def.fields, "payload value")
            }
            Object::Closure { func, captures } => {
                let f = prog
                    .funcs
                    .get(*func as usize)
                    .ok_or_else(|| format!("a closure of unknown function {func}"))?;
                self.values(captures, &f.captures, "capture")
            }
            Object::Cell { ty, value } => match prog.types.get(*ty as usize) {
                Some(TypeInfo::Cell { inner, .. }) => self.value(*value, *inner),
                _ => Err(format!("a cell of type {ty}, which is no cell type")),
            },
        }
    }

    /// Frames: functions and register counts valid, each caller stopped at
    /// a call to the frame above it, the innermost at a resumable point,
    /// and the whole stack within the VM's limits.
    fn frames(&self) -> Result<(), String> {
        let frames = &self.img.frames;
        let prog = self.prog;
        if frames.is_empty() {
            return Err("the image has no frames".into());
        }
        if frames.len() > MAX_FRAMES {
            return Err(format!("{} frames; at most {MAX_FRAMES}", frames.len()));
        }
        if frames[0].func != prog.module.entry {
            return Err("the outermost frame is not the entry function's".into());
        }
        let mut slots = 0usize;
        for (i, fr) in frames.iter().enumerate() {
            let err = |e: String| format!("frame {i}: {e}");
            let f = prog
                .funcs
                .get(fr.func as usize)
                .ok_or_else(|| err(format!("unknown function {}", fr.func)))?;
            slots = slots.saturating_add(f.nregs);
            if slots > VM_STACK_SLOTS {
                return Err(err(format!(
                    "the frames need more than {VM_STACK_SLOTS} stack slots"
                )));
            }
            self.values(&fr.regs, &f.reg_types, "register")
                .map_err(err)?;
            let closure = self.target(fr.closure).map_err(err)?;
            match closure {
                None if f.ncaptures > 0 => {
                    return Err(err(
                        "a function with captures runs without its closure".into()
                    ))
                }
                Some(Object::Closure { func, .. }) if *func == fr.func => {}
                Some(_) => return Err(err("its closure is not a closure of its function".into())),
                None => {}
            }
            let Some(instr) = f.code.get(fr.pc as usize) else {
                return Err(err(format!("pc {} past the code", fr.pc)));
            };
            match frames.get(i + 1) {
                Some(callee) => self.caller_at_call(fr, *instr, callee).map_err(err)?,
                None => {
                    if !is_resumable(&f.code, fr.pc) {
                        return Err(err(format!("pc {} is no safepoint", fr.pc)));
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that a caller stopped at `instr` calls `callee` with its
    /// result going to `callee.dest`.
    fn caller_at_call(
        &self,
        caller: &super::image::Frame,
        instr: Instr,
        callee: &super::image::Frame,
    ) -> Result<(), String> {
        let reg = |r: u16| caller.regs.get(r as usize).copied().unwrap_or(0);
        let (a, ok) = match instr {
            Instr::Call { a, f, .. } => (a, f == callee.func && callee.closure == 0),
            Instr::CallClosure { a, c, .. } => (
                a,
                callee.closure != 0
                    && reg(c) == callee.closure
                    && matches!(
                        self.target(callee.closure)?,
                        Some(Object::Closure { func, .. }) if *func == callee.func
                    ),
            ),
            Instr::CallTrait { a, t, m, b, .. } => {
                // `t` is the trait's type id; its vtable is by trait index.
                let vtable = match self.prog.types.get(t as usize) {
                    Some(&TypeInfo::Trait(ti)) => self.prog.vtables.get(ti as usize),
                    _ => None,
                };
                let dispatched = match self.target(reg(b))? {
                    Some(Object::Struct { index, .. }) => vtable.and_then(|vt| {
                        vt.funcs
                            .get(*index as usize * vt.methods + m as usize)
                            .copied()
                    }),
                    _ => None,
                };
                (a, dispatched == Some(callee.func) && callee.closure == 0)
            }
            _ => return Err("a caller not stopped at a call".into()),
        };
        if !ok {
            return Err("the call does not call the frame above it".into());
        }
        if a != callee.dest {
            return Err("the frame above returns to another register".into());
        }
        Ok(())
    }
}

/// Whether `pc` is where a snapshot can stop: a function's entry, the
/// target of a backward branch (a loop head), or a call of `read_line`
/// (which a resume runs again) or `checkpoint` (which a resume returns
/// true from).
pub fn is_resumable(code: &[Instr], pc: u32) -> bool {
    let waits = |n: u16| n == Native::ReadLine as u16 || n == Native::Checkpoint as u16;
    pc == 0
        || matches!(code.get(pc as usize), Some(Instr::CallNative { native, .. }) if waits(*native))
        || code.iter().enumerate().any(|(i, ins)| {
            ins.branch_target()
                .is_some_and(|t| t == pc && (t as usize) <= i)
        })
}
