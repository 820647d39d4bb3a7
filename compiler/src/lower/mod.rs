//! Lowering: typed IR to a `lang_bytecode::Module`.
//!
//! The conventions (frames, calls, closures and cells, methods, entry) are
//! the ones stated in the `lang_bytecode` crate docs. Choices made here:
//! - Every local has its own register for the whole function; a local that
//!   closures capture and that is assigned after initialisation lives in a
//!   `cell` register instead, and `let` makes a fresh cell each time it
//!   runs, so closures made in different loop iterations keep their own
//!   variables.
//! - Temporaries come from per-type pools that are released at the end of
//!   each statement, so a function needs about as many registers as its
//!   largest statement, not as its length. Argument lists need consecutive
//!   registers of given types; those blocks are pooled by signature.
//! - Big array literals are built with `push` rather than one register per
//!   element.
//! - Strings that are appended to are built from their pieces
//!   (`crate::appends`, applied to each function and, for globals, to the
//!   whole program before lowering).
//!
//! The checker has already rejected every invalid program, so lowering
//! reports only limits of the bytecode (registers and instructions per
//! function, `crate::limits`), at the construct that exceeds them.

mod builder;
mod expr;
mod function;
mod pattern;
mod registers;
mod select;
mod stmt;
#[cfg(test)]
mod tests;

use crate::diag::Diagnostic;
use crate::limits::{Limit, MAX_INSTRUCTIONS};
use crate::tir;
use builder::ModuleBuilder;
use function::FnLower;
use lang_bytecode::instr::Instr;
use lang_bytecode::module::{Field, Function, ImplDef, Module, TraitDef, TraitMethod};
use std::collections::HashMap;

/// Lowers a checked program. Errors are only limits of the bytecode format.
pub fn lower(p: &tir::Program, file_name: &str) -> Result<Module, Vec<Diagnostic>> {
    // Appended globals get their hidden pieces (`crate::appends`); only a
    // whole program can, since every function that reads them must.
    let rewritten = crate::appends::rewrite_program(p);
    let p = rewritten.as_ref().unwrap_or(p);
    let mut l = Lowering::new(file_name);
    l.declare(&p.structs, &p.enums, &p.traits, &p.impls, &p.globals);
    let bodies = Bodies {
        first: 0,
        functions: &p.functions,
        structs: &p.structs,
        enums: &p.enums,
        inline: true,
    };
    let mut errors = Vec::new();
    for f in &p.functions {
        match l.function(&bodies, f) {
            Ok(func) => l.mb.module.functions.push(func),
            Err(e) => errors.push(e),
        }
    }
    l.mb.module.entry = p.entry;
    if errors.is_empty() {
        Ok(l.mb.module)
    } else {
        Err(errors)
    }
}

/// What lowering a function looks up: the typed functions being lowered
/// together (`functions[i]` is function `first + i`; a closure is always
/// lowered with the function that creates it, so its captures are found
/// here) and the checker's whole struct and enum tables.
struct Bodies<'p> {
    first: tir::FuncIdx,
    functions: &'p [tir::Function],
    structs: &'p [tir::StructInfo],
    enums: &'p [tir::EnumInfo],
    /// Whether calls of tiny pure functions are inlined (`crate::inline`):
    /// for whole programs, not for REPL inputs, whose functions may be
    /// redefined later.
    inline: bool,
}

impl<'p> Bodies<'p> {
    fn get(&self, f: tir::FuncIdx) -> Option<&'p tir::Function> {
        let i = f.checked_sub(self.first)?;
        self.functions.get(i as usize)
    }
}

/// A module that grows one REPL input at a time (see `crate::session`).
/// Every table only grows, so the ids of types, constants, declarations,
/// globals and functions never change; a redefined function keeps its id
/// and gets new code. Struct, enum, trait and function ids are the
/// checker's, so the checker's `Env` and this module must grow together.
#[derive(Clone)]
pub struct Lowering {
    mb: ModuleBuilder,
}

impl Lowering {
    /// An empty module whose diagnostics and line tables name `file_name`.
    pub fn new(file_name: &str) -> Lowering {
        Lowering {
            mb: ModuleBuilder {
                module: Module::new(file_name),
                types: HashMap::new(),
                consts: HashMap::new(),
                structs: Vec::new(),
                enums: Vec::new(),
                struct_ids: Vec::new(),
                enum_ids: Vec::new(),
            },
        }
    }

    pub fn module(&self) -> &Module {
        &self.mb.module
    }

    /// Appends the declarations after those the module already has: the
    /// slices are the checker's whole tables.
    pub fn declare(
        &mut self,
        structs: &[tir::StructInfo],
        enums: &[tir::EnumInfo],
        traits: &[tir::TraitInfo],
        impls: &[tir::ImplInfo],
        globals: &[tir::Global],
    ) {
        let mb = &mut self.mb;
        // Declared structs and enums join the module in declaration order
        // (all are numbered before any is filled in, since a field may name
        // a later one); instances of generic ones and tuple types join it
        // when code first uses them (`ModuleBuilder::ty`), so neither a
        // template nor an unused instance reaches it.
        let (first_struct, first_enum) = (mb.structs.len(), mb.enums.len());
        mb.structs
            .extend(structs.iter().skip(first_struct).cloned());
        mb.enums.extend(enums.iter().skip(first_enum).cloned());
        mb.struct_ids.resize(mb.structs.len(), None);
        mb.enum_ids.resize(mb.enums.len(), None);
        let plain_structs: Vec<usize> = (first_struct..mb.structs.len())
            .filter(|&i| mb.structs[i].origin == tir::Origin::Plain)
            .collect();
        let plain_enums: Vec<usize> = (first_enum..mb.enums.len())
            .filter(|&i| mb.enums[i].origin == tir::Origin::Plain)
            .collect();
        let reserved: Vec<(usize, u32)> = plain_structs
            .iter()
            .map(|&i| (i, mb.reserve_struct(i)))
            .collect();
        let reserved_enums: Vec<(usize, u32)> = plain_enums
            .iter()
            .map(|&i| (i, mb.reserve_enum(i)))
            .collect();
        for (i, id) in reserved {
            mb.fill_struct(i, id);
        }
        for (i, id) in reserved_enums {
            mb.fill_enum(i, id);
        }
        for t in traits.iter().skip(mb.module.traits.len()) {
            let methods = t
                .methods
                .iter()
                .map(|m| TraitMethod {
                    name: m.name.clone(),
                    params: m.params.iter().map(|p| mb.ty(p)).collect(),
                    ret: mb.ret(&m.ret),
                })
                .collect();
            mb.module.traits.push(TraitDef {
                name: t.name.clone(),
                methods,
            });
        }
        for i in impls.iter().skip(mb.module.impls.len()) {
            mb.module.impls.push(ImplDef {
                trait_index: i.trait_id,
                struct_index: mb
                    .struct_ids
                    .get(i.struct_id as usize)
                    .copied()
                    .flatten()
                    .unwrap_or(i.struct_id),
                methods: i.methods.clone(),
            });
        }
        for g in globals.iter().skip(mb.module.globals.len()) {
            let ty = mb.ty(&g.ty);
            mb.module.globals.push(Field {
                name: g.name.clone(),
                ty,
            });
        }
    }

    /// Adds one checked REPL input: the declarations `env` has beyond the
    /// module's are appended, the input's new functions too, and redefined
    /// functions get their new code in place. Sets the module's entry to
    /// `entry`. On an error the module is half-updated: discard it.
    pub fn add_input(
        &mut self,
        env: &crate::check::Env,
        code: &crate::check::InputProgram,
        entry: tir::FuncIdx,
    ) -> Result<(), Vec<Diagnostic>> {
        self.declare(
            &env.structs,
            &env.enums,
            &env.traits,
            &env.impls,
            &env.globals,
        );
        let bodies = Bodies {
            first: code.first_func,
            functions: &code.functions,
            structs: &env.structs,
            enums: &env.enums,
            inline: false,
        };
        let mut errors = Vec::new();
        // The new functions continue the module's numbering; fill any gap
        // so that ids stay the checker's even in a damaged state.
        while self.mb.module.functions.len() < code.first_func as usize {
            self.mb.module.functions.push(stub_function("<missing>"));
        }
        self.mb.module.functions.truncate(code.first_func as usize);
        for f in &code.functions {
            match self.function(&bodies, f) {
                Ok(func) => self.mb.module.functions.push(func),
                Err(e) => errors.push(e),
            }
        }
        for (idx, f) in &code.replaced {
            match self.function(&bodies, f) {
                Ok(func) => {
                    if let Some(slot) = self.mb.module.functions.get_mut(*idx as usize) {
                        *slot = func;
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        self.mb.module.entry = entry;
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Appends a function that does nothing and makes it the entry; returns
    /// its id. A new session starts with one, so that even the empty module
    /// verifies.
    pub fn add_stub_entry(&mut self, name: &str) -> u32 {
        let f = stub_function(name);
        let id = u32::try_from(self.mb.module.functions.len()).unwrap_or(u32::MAX);
        self.mb.module.functions.push(f);
        self.mb.module.entry = id;
        id
    }

    fn function(&mut self, bodies: &Bodies, f: &tir::Function) -> Result<Function, Diagnostic> {
        // Appended locals get their hidden pieces (`crate::appends`).
        let rewritten = crate::appends::rewrite_function(f);
        let f = rewritten.as_ref().unwrap_or(f);
        let mut fl = FnLower::new(&mut self.mb, bodies, f);
        fl.body();
        if fl.code.len() > MAX_INSTRUCTIONS {
            fl.span = f.span;
            fl.exceed(Limit::Instructions);
        }
        if let Some(overflow) = fl.overflow {
            return Err(overflow.diagnostic(&f.name));
        }
        Ok(fl.finish())
    }
}

/// A function that takes nothing and does nothing.
fn stub_function(name: &str) -> Function {
    Function {
        name: name.to_string(),
        params: vec![],
        ret: None,
        captures: vec![],
        regs: vec![],
        code: vec![Instr::RetVoid {}],
        lines: vec![1],
    }
}
