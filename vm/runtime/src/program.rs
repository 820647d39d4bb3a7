//! The loaded program: a verified `Module` turned into the tables the
//! interpreter and the collector read at run time, so that no instruction
//! hashes or searches (field slots, trait methods, object shapes and register
//! maps are all dense vectors indexed by ids from the bytecode).

use crate::abi::FixedObject;
use crate::error::internal_exit;
use crate::heap::shape::{self, Shape};
use crate::objects::array::ElemKind;
use lang_bytecode::{Instr, Module, Type, TypeId, Verified};

/// What kind of map key a map type has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Int,
    Bool,
    Str,
}

/// One entry of the type table, with what the runtime needs precomputed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeInfo {
    Int,
    Float,
    Bool,
    Str,
    Array {
        elem: TypeId,
        /// How the array stores its elements (`objects::array`).
        elem_kind: ElemKind,
    },
    Map {
        key: TypeId,
        val: TypeId,
        kind: KeyKind,
        val_ref: bool,
    },
    Struct(u32),
    Enum(u32),
    Trait(u32),
    Func,
    Cell {
        inner: TypeId,
        inner_ref: bool,
        shape: u32,
    },
}

impl TypeInfo {
    /// Whether a slot of this type holds a reference.
    pub fn is_ref(&self) -> bool {
        !matches!(self, TypeInfo::Int | TypeInfo::Float | TypeInfo::Bool)
    }

    /// How an array with elements of this type stores them.
    pub fn elem_kind(&self) -> ElemKind {
        ElemKind::of(matches!(self, TypeInfo::Bool), self.is_ref())
    }
}

/// A function ready to run.
pub struct FuncInfo {
    pub name: String,
    pub code: Vec<Instr>,
    pub lines: Vec<u32>,
    pub nregs: usize,
    pub reg_types: Vec<TypeId>,
    /// Per register: whether it holds a reference (decides barriers).
    pub reg_is_ref: Vec<bool>,
    /// The registers that hold references (the collector's frame map).
    pub ref_regs: Box<[u16]>,
    /// Shape id of closures of this function.
    pub closure_shape: u32,
    /// Number of captures a closure of this function carries.
    pub ncaptures: usize,
    /// Whether the function returns a value (`ret`) or nothing (`ret.v`).
    pub returns_value: bool,
    /// How many parameters it takes (registers `0..params`).
    pub params: usize,
    /// The types of a closure's captures (what a snapshot checks them by).
    pub captures: Vec<TypeId>,
    /// The return type, `None` for functions returning nothing.
    pub ret: Option<TypeId>,
}

/// Method table of one trait: `funcs[struct_index * methods + m]`, or
/// `NO_METHOD` where the struct does not implement the trait.
pub struct Vtable {
    pub methods: usize,
    pub funcs: Vec<u32>,
}

/// Marks a missing vtable entry.
pub const NO_METHOD: u32 = u32::MAX;

/// Everything the runtime needs from a module.
pub struct Program {
    pub module: Module,
    pub funcs: Vec<FuncInfo>,
    pub types: Vec<TypeInfo>,
    pub struct_shapes: Vec<u32>,
    /// Shape of each variant of each enum.
    pub variant_shapes: Vec<Vec<u32>>,
    pub vtables: Vec<Vtable>,
}

impl Program {
    /// Precomputes the tables and registers this module's object shapes.
    /// Only a verified module loads: the tables trust its ids.
    pub fn load(module: Verified) -> Program {
        let mut module = module.into_module();
        let is_ref = |m: &Module, t: TypeId| m.type_at(t).is_some_and(Type::is_ref);

        // Shapes: structs, then enum variants, then cells, then closures.
        let mut shapes: Vec<Shape> = Vec::new();
        let fixed = |tys: &mut dyn Iterator<Item = TypeId>, m: &Module| {
            let tys: Vec<TypeId> = tys.collect();
            Shape::Fixed {
                slots: tys.len() as u32,
                refs: tys
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| is_ref(m, **t))
                    .map(|(i, _)| i as u32)
                    .collect(),
            }
        };
        for s in &module.structs {
            shapes.push(fixed(&mut s.fields.iter().map(|f| f.ty), &module));
        }
        let mut variant_local = Vec::new();
        for e in &module.enums {
            let mut ids = Vec::new();
            for v in &e.variants {
                ids.push(shapes.len() as u32);
                shapes.push(fixed(&mut v.fields.iter().copied(), &module));
            }
            variant_local.push(ids);
        }
        let mut cell_local = vec![u32::MAX; module.types.len()];
        for (i, t) in module.types.iter().enumerate() {
            if let Type::Cell(inner) = t {
                cell_local[i] = shapes.len() as u32;
                shapes.push(fixed(&mut std::iter::once(*inner), &module));
            }
        }
        let mut closure_local = Vec::new();
        for f in &module.functions {
            closure_local.push(shapes.len() as u32);
            shapes.push(fixed(&mut f.captures.iter().copied(), &module));
        }
        let base = shape::register(shapes);

        let struct_shapes = (0..module.structs.len() as u32).map(|i| base + i).collect();
        let variant_shapes = variant_local
            .iter()
            .map(|v| v.iter().map(|s| base + s).collect())
            .collect();

        let types = module
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                Type::Int => TypeInfo::Int,
                Type::Float => TypeInfo::Float,
                Type::Bool => TypeInfo::Bool,
                Type::Str => TypeInfo::Str,
                Type::Array(e) => TypeInfo::Array {
                    elem: *e,
                    elem_kind: ElemKind::of(
                        matches!(module.type_at(*e), Some(Type::Bool)),
                        is_ref(&module, *e),
                    ),
                },
                Type::Map(k, v) => TypeInfo::Map {
                    key: *k,
                    val: *v,
                    kind: match module.type_at(*k) {
                        Some(Type::Int) => KeyKind::Int,
                        Some(Type::Bool) => KeyKind::Bool,
                        _ => KeyKind::Str,
                    },
                    val_ref: is_ref(&module, *v),
                },
                Type::Struct(s) => TypeInfo::Struct(*s),
                Type::Enum(e) => TypeInfo::Enum(*e),
                Type::Trait(t) => TypeInfo::Trait(*t),
                Type::Func { .. } => TypeInfo::Func,
                Type::Cell(inner) => TypeInfo::Cell {
                    inner: *inner,
                    inner_ref: is_ref(&module, *inner),
                    shape: base + cell_local.get(i).copied().unwrap_or(0),
                },
            })
            .collect::<Vec<_>>();

        let nstructs = module.structs.len();
        let mut vtables: Vec<Vtable> = module
            .traits
            .iter()
            .map(|t| Vtable {
                methods: t.methods.len(),
                funcs: vec![NO_METHOD; t.methods.len() * nstructs],
            })
            .collect();
        for imp in &module.impls {
            if let Some(vt) = vtables.get_mut(imp.trait_index as usize) {
                for (m, &f) in imp.methods.iter().enumerate() {
                    let at = imp.struct_index as usize * vt.methods + m;
                    if let Some(slot) = vt.funcs.get_mut(at) {
                        *slot = f;
                    }
                }
            }
        }

        let functions = std::mem::take(&mut module.functions);
        let funcs = functions
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let reg_is_ref: Vec<bool> = f.regs.iter().map(|t| is_ref(&module, *t)).collect();
                let ref_regs: Box<[u16]> = reg_is_ref
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| **r)
                    .map(|(i, _)| i as u16)
                    .collect();
                FuncInfo {
                    nregs: f.regs.len(),
                    reg_types: f.regs,
                    reg_is_ref,
                    ref_regs,
                    closure_shape: base + closure_local.get(i).copied().unwrap_or(0),
                    ncaptures: f.captures.len(),
                    returns_value: f.ret.is_some(),
                    params: f.params.len(),
                    captures: f.captures,
                    ret: f.ret,
                    name: f.name,
                    code: f.code,
                    lines: f.lines,
                }
            })
            .collect();

        Program {
            module,
            funcs,
            types,
            struct_shapes,
            variant_shapes,
            vtables,
        }
    }

    /// The runtime view of type `t`. Every type id in a verified module
    /// names an entry of its table, so an unknown one is an internal error;
    /// it ends the process (see `error::internal_exit`) rather than read as
    /// some type, because callers deep in printing or the collector's setup
    /// cannot unwind.
    #[inline]
    pub fn ty(&self, t: TypeId) -> &TypeInfo {
        match self.types.get(t as usize) {
            Some(info) => info,
            None => internal_exit(format_args!("type id {t} is not in the type table")),
        }
    }

    /// The object that `ins`, an instruction of function `f`, makes when it
    /// makes one of fixed size (`closure`, `cell.new`, `new.st`, `new.en`);
    /// `None` for any other instruction, or one naming what does not exist.
    /// The interpreter and compiled code both allocate from this.
    pub fn fixed_object(&self, f: &FuncInfo, ins: Instr) -> Option<FixedObject> {
        let (shape, aux, slots, fill) = match ins {
            Instr::MakeClosure { f: callee, n, .. } => {
                let cf = self.funcs.get(callee as usize)?;
                let slots = u32::try_from(cf.ncaptures).ok()?;
                (cf.closure_shape, callee, slots, u32::from(n).min(slots))
            }
            Instr::NewCell { a, .. } => {
                match self.types.get(*f.reg_types.get(a as usize)? as usize)? {
                    TypeInfo::Cell { shape, .. } => (*shape, 0, 1, 1),
                    _ => return None,
                }
            }
            Instr::NewStruct { t, n, .. } => match self.types.get(t as usize)? {
                TypeInfo::Struct(s) => (
                    *self.struct_shapes.get(*s as usize)?,
                    *s,
                    n.into(),
                    n.into(),
                ),
                _ => return None,
            },
            Instr::NewEnum { t, v, n, .. } => match self.types.get(t as usize)? {
                TypeInfo::Enum(e) => {
                    let shape = *self.variant_shapes.get(*e as usize)?.get(v as usize)?;
                    (shape, u32::from(v), n.into(), n.into())
                }
                _ => return None,
            },
            _ => return None,
        };
        let body = (slots as usize).checked_mul(crate::heap::object::SLOT_BYTES)?;
        Some(FixedObject {
            header: crate::heap::object::make_header(shape, aux),
            slots,
            fill: u16::try_from(fill).ok()?,
            bytes: u32::try_from(crate::heap::object::object_bytes_for(body)).ok()?,
        })
    }

    /// The source line of instruction `pc` of function `f`.
    pub fn line(&self, f: u32, pc: u32) -> u32 {
        self.funcs
            .get(f as usize)
            .and_then(|f| f.lines.get(pc as usize))
            .copied()
            .unwrap_or(0)
    }
}
