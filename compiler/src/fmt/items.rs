//! Printing declarations: functions, structs, enums, traits and impls.

use super::printer::Printer;
use crate::ast::*;

impl Printer<'_> {
    pub fn program(&mut self, program: &Program) {
        for item in program.items {
            self.line_start(self.item_start(item));
            self.item(item);
            self.src_pos = self.src_pos.max(self.item_end(item));
            self.newline();
        }
    }

    /// Where an item starts in the source, its keyword included.
    fn item_start(&self, item: &Item) -> usize {
        match item {
            Item::Fn(f) => f.test.map_or(f.sig.span.start, |t| t.start),
            Item::Struct(s) => self.keyword_before(s.name.span.start, "struct"),
            Item::Enum(e) => self.keyword_before(e.name.span.start, "enum"),
            Item::Trait(t) => self.keyword_before(t.name.span.start, "trait"),
            Item::Impl(i) => i.span.start,
            Item::Stmt(s) => s.span.start,
        }
    }

    /// Where an item ends in the source: for the declarations whose node
    /// has no span of its own, just past the `}` after their last member.
    fn item_end(&self, item: &Item) -> usize {
        match item {
            Item::Fn(f) => f.body.span.end,
            Item::Struct(s) => {
                self.brace_after(s.fields.last().map_or(s.name.span.end, |f| f.ty.span().end))
            }
            Item::Enum(e) => self.brace_after(e.variants.last().map_or(e.name.span.end, |v| {
                v.payload.last().map_or(v.name.span.end, |t| t.span().end)
            })),
            Item::Trait(t) => {
                self.brace_after(t.methods.last().map_or(t.name.span.end, |m| m.span.end))
            }
            Item::Impl(i) => i.span.end,
            Item::Stmt(s) => s.span.end,
        }
    }

    /// The offset of `keyword` written just before `pos` (or `pos`).
    fn keyword_before(&self, pos: usize, keyword: &str) -> usize {
        let before = self.source(0, pos).trim_end();
        match before.strip_suffix(keyword) {
            Some(rest) => rest.len(),
            None => pos,
        }
    }

    /// Just past the `}` that closes a declaration whose last member ends
    /// at `pos` (skipping `)`, `,`, `;` and blanks), or `pos`.
    fn brace_after(&self, pos: usize) -> usize {
        let rest = self.source(pos, self.src.len());
        let skipped = rest.len()
            - rest
                .trim_start_matches([' ', '\t', '\r', '\n', ',', ';', ')'])
                .len();
        if rest[skipped..].starts_with('}') {
            pos + skipped + 1
        } else {
            pos
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Fn(f) => {
                if f.test.is_some() {
                    self.write("test ");
                }
                self.fn_decl(f)
            }
            Item::Struct(s) => {
                self.write("struct ");
                self.write(s.name.name);
                self.type_params(s.type_params);
                let end = self.item_end(item);
                self.members(
                    s.fields,
                    s.name.span.end,
                    end,
                    |f| f.name.span.start,
                    |f| f.ty.span().end,
                    |p, f| p.param(f),
                );
            }
            Item::Enum(e) => {
                self.write("enum ");
                self.write(e.name.name);
                self.type_params(e.type_params);
                let end = self.item_end(item);
                let variant_end =
                    |v: &Variant| v.payload.last().map_or(v.name.span.end, |t| t.span().end);
                self.members(
                    e.variants,
                    e.name.span.end,
                    end,
                    |v| v.name.span.start,
                    variant_end,
                    |p, v| {
                        p.write(v.name.name);
                        if !v.payload.is_empty() {
                            p.write("(");
                            p.comma_separated(v.payload, |p, t| p.type_expr(t));
                            p.write(")");
                        }
                    },
                );
            }
            Item::Trait(t) => {
                self.write("trait ");
                self.write(t.name.name);
                self.write(" {");
                self.src_pos = t.name.span.end;
                if t.methods.is_empty() {
                    self.write("}");
                    return;
                }
                self.newline();
                self.indent();
                for m in t.methods {
                    self.line_start(m.span.start);
                    self.fn_sig(m);
                    self.write(";");
                    self.src_pos = m.span.end + 1;
                    self.newline();
                }
                self.flush_comments(self.item_end(item).saturating_sub(1));
                self.dedent();
                self.write("}");
            }
            Item::Impl(i) => self.impl_decl(i),
            Item::Stmt(s) => self.stmt(s),
        }
    }

    /// The `{ ... }` of a struct or enum: on one line when the source had
    /// it on one line, otherwise one member a line with a trailing comma.
    #[allow(clippy::too_many_arguments)]
    fn members<T>(
        &mut self,
        members: &[T],
        open: usize,
        end: usize,
        start_of: impl Fn(&T) -> usize,
        end_of: impl Fn(&T) -> usize,
        each: impl Fn(&mut Self, &T),
    ) {
        if members.is_empty() {
            self.write(" {}");
            return;
        }
        if !self.multiline(open, end) && !self.has_comment(open, end) {
            self.write(" { ");
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    self.write(", ");
                }
                each(self, m);
            }
            self.write(" }");
            return;
        }
        self.write(" {");
        self.src_pos = open;
        self.newline();
        self.indent();
        for m in members {
            self.line_start(start_of(m));
            each(self, m);
            self.write(",");
            self.src_pos = end_of(m);
            let rest = self.source(self.src_pos, self.src.len());
            if rest.trim_start().starts_with(',') {
                self.src_pos += rest.len() - rest.trim_start().len() + 1;
            }
            self.newline();
        }
        self.flush_comments(end.saturating_sub(1));
        self.dedent();
        self.write("}");
    }

    fn impl_decl(&mut self, i: &ImplDecl) {
        self.write("impl");
        self.type_params(i.type_params);
        self.write(" ");
        if let Some(t) = i.trait_name {
            self.write(t.name);
            self.write(" for ");
        }
        self.write(i.target.name);
        if !i.target_args.is_empty() {
            self.write("<");
            self.comma_separated(i.target_args, |p, t| p.type_expr(t));
            self.write(">");
        }
        self.write(" {");
        if i.methods.is_empty() {
            self.write("}");
            return;
        }
        self.src_pos = i.methods.first().map_or(i.span.start, |m| m.sig.span.start);
        self.src_pos = self
            .source(0, self.src_pos)
            .rfind('{')
            .map_or(self.src_pos, |b| b + 1);
        self.newline();
        self.indent();
        for m in i.methods {
            self.line_start(m.sig.span.start);
            self.fn_decl(m);
            self.src_pos = m.body.span.end;
            self.newline();
        }
        self.flush_comments(i.span.end.saturating_sub(1));
        self.dedent();
        self.write("}");
    }

    pub fn fn_decl(&mut self, f: &FnDecl) {
        self.fn_sig(&f.sig);
        self.write(" ");
        self.block(f.body);
    }

    /// `fn name<T>(self, a: int) -> ret`; a closure's signature has no name.
    pub fn fn_sig(&mut self, sig: &FnSig) {
        self.write("fn");
        if !sig.name.name.is_empty() {
            self.write(" ");
            self.write(sig.name.name);
        }
        self.type_params(sig.type_params);
        self.write("(");
        if sig.self_param.is_some() {
            self.write("self");
            if !sig.params.is_empty() {
                self.write(", ");
            }
        }
        self.comma_separated(sig.params, |p, param| p.param(param));
        self.write(")");
        if let Some(ret) = sig.ret {
            self.write(" -> ");
            self.type_expr(ret);
        }
    }

    fn param(&mut self, param: &Param) {
        self.write(param.name.name);
        self.write(": ");
        self.type_expr(param.ty);
    }

    fn type_params(&mut self, params: &[TypeParam]) {
        if params.is_empty() {
            return;
        }
        self.write("<");
        self.comma_separated(params, |p, tp| {
            p.write(tp.name.name);
            for (i, b) in tp.bounds.iter().enumerate() {
                p.write(if i == 0 { ": " } else { " + " });
                p.write(b.name);
            }
        });
        self.write(">");
    }

    pub fn comma_separated<T>(&mut self, items: &[T], each: impl Fn(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.write(", ");
            }
            each(self, item);
        }
    }

    pub fn type_expr(&mut self, t: &TypeExpr) {
        match t {
            TypeExpr::Named(id) => self.write(id.name),
            TypeExpr::Array(e, _) => {
                self.write("[");
                self.type_expr(e);
                self.write("]");
            }
            TypeExpr::Map(k, v, _) => {
                self.write("{");
                self.type_expr(k);
                self.write(": ");
                self.type_expr(v);
                self.write("}");
            }
            TypeExpr::Fn(params, ret, _) => {
                self.write("fn(");
                self.comma_separated(params, |p, t| p.type_expr(t));
                self.write(")");
                if let Some(r) = ret {
                    self.write(" -> ");
                    self.type_expr(r);
                }
            }
            TypeExpr::Generic(name, args, _) => {
                self.write(name.name);
                self.write("<");
                self.comma_separated(args, |p, t| p.type_expr(t));
                self.write(">");
            }
            TypeExpr::Tuple(elems, _) => {
                self.write("(");
                self.comma_separated(elems, |p, t| p.type_expr(t));
                if elems.len() == 1 {
                    self.write(",");
                }
                self.write(")");
            }
        }
    }
}
