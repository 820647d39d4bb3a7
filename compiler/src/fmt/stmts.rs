//! Printing blocks and statements.

use super::exprs::Ctx;
use super::printer::Printer;
use crate::ast::*;

impl Printer<'_> {
    /// `{ ... }`: on one line when the source had it on one line (and it
    /// holds no comment), otherwise one statement a line.
    pub fn block(&mut self, b: &Block) {
        let (start, end) = (b.span.start, b.span.end);
        if b.stmts.is_empty() && b.tail.is_none() && !self.has_comment(start, end) {
            self.write("{}");
            return;
        }
        if !self.multiline(start, end) && !self.has_comment(start, end) {
            self.write("{ ");
            for s in b.stmts {
                self.stmt(s);
                self.write(" ");
            }
            if let Some(t) = b.tail {
                self.expr(t, Ctx::Stmt);
                self.write(" ");
            }
            self.write("}");
            return;
        }
        self.write("{");
        self.src_pos = start + 1;
        self.newline();
        self.indent();
        for s in b.stmts {
            self.line_start(s.span.start);
            self.stmt(s);
            self.src_pos = s.span.end;
            self.newline();
        }
        if let Some(t) = b.tail {
            self.line_start(t.span.start);
            self.expr(t, Ctx::Stmt);
            self.src_pos = t.span.end;
            self.newline();
        }
        self.flush_comments(end.saturating_sub(1));
        self.dedent();
        self.write("}");
        self.src_pos = end;
    }

    pub fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let {
                mutable,
                name,
                ty,
                init,
            } => {
                self.write(if *mutable { "var " } else { "let " });
                self.write(name.name);
                self.declared_type(*ty);
                self.write(" = ");
                self.expr(init, Ctx::Any);
                self.write(";");
            }
            StmtKind::LetPattern { pat, ty, init } => {
                self.write("let ");
                self.pattern(pat);
                self.declared_type(*ty);
                self.write(" = ");
                self.expr(init, Ctx::Any);
                self.write(";");
            }
            StmtKind::Assign { target, op, value } => {
                self.expr(target, Ctx::Stmt);
                self.write(" ");
                if let Some(op) = op {
                    self.write(op.text());
                }
                self.write("= ");
                self.expr(value, Ctx::Any);
                self.write(";");
            }
            StmtKind::Expr { expr, block_like } => {
                if *block_like {
                    self.expr(expr, Ctx::Any);
                } else {
                    self.expr(expr, Ctx::Stmt);
                    self.write(";");
                }
            }
            StmtKind::While { cond, body } => {
                self.write("while ");
                self.expr(cond, Ctx::NoStruct);
                self.write(" ");
                self.block(body);
            }
            StmtKind::For {
                var,
                value_var,
                iter,
                body,
            } => {
                self.write("for ");
                self.write(var.name);
                if let Some(v) = value_var {
                    self.write(", ");
                    self.write(v.name);
                }
                self.write(" in ");
                match iter {
                    ForIter::Range {
                        start,
                        end,
                        inclusive,
                    } => {
                        self.expr(start, Ctx::NoStruct);
                        self.write(if *inclusive { "..=" } else { ".." });
                        self.expr(end, Ctx::NoStruct);
                    }
                    ForIter::Each(e) => self.expr(e, Ctx::NoStruct),
                }
                self.write(" ");
                self.block(body);
            }
            StmtKind::Return(value) => match value {
                Some(v) => {
                    self.write("return ");
                    self.expr(v, Ctx::Any);
                    self.write(";");
                }
                None => self.write("return;"),
            },
            StmtKind::Break => self.write("break;"),
            StmtKind::Continue => self.write("continue;"),
            StmtKind::Empty => self.write(";"),
            // A file with syntax errors is never formatted.
            StmtKind::Error => self.write(self.source(s.span.start, s.span.end)),
        }
    }

    fn declared_type(&mut self, ty: Option<&TypeExpr>) {
        if let Some(t) = ty {
            self.write(": ");
            self.type_expr(t);
        }
    }
}
