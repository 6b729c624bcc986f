//! The q parser: tokens to [`Expr`].
//!
//! q reads right to left: an expression is a run of terms (nouns and verbs); a noun
//! followed by a verb is the verb's left argument and everything to the right is its
//! right argument; a noun followed by a noun is application by juxtaposition. Brackets
//! and iterators bind to the term on their left. qSQL templates and control words
//! (`if`, `do`, `while`, `$[..]`) are recognised here.

use super::ast::*;
use super::error::{QError, QResult};
use super::lex::{lex, Tok, Token};
use super::literal;
use qipc::{Sym, K};
use std::sync::Arc;

/// Keywords that may be used infix (`x in y`), as q allows for its dyadic keywords.
pub const INFIX_WORDS: &[&str] = &[
    "and", "or", "in", "like", "within", "xbar", "xexp", "xlog", "div", "mod", "bin", "binr",
    "except", "inter", "union", "cross", "each", "over", "scan", "prior", "peach", "sv", "vs",
    "ss", "cor", "cov", "scov", "wavg", "wsum", "xasc", "xdesc", "xkey", "xcol", "xcols", "xgroup",
    "xprev", "xrank", "rotate", "sublist", "lj", "ljf", "ij", "ijf", "uj", "ujf", "pj", "ej",
    "insert", "upsert", "set", "mavg", "msum", "mcount", "mmin", "mmax", "mdev", "ema", "asof",
    "fby", "cut", "dsave", "setenv", "mmu", "lsq", "0:", "1:", "2:",
];

/// Parse a whole program (statements separated by `;`).
pub fn parse(src: &str) -> QResult<Expr> {
    parse_bytes(src.as_bytes())
}

pub fn parse_bytes(src: &[u8]) -> QResult<Expr> {
    let toks = lex(src)?;
    let mut p = Parser {
        src,
        toks,
        i: 0,
        stops: Vec::new(),
    };
    let stmts = view_bodies(p.statements()?);
    if p.i < p.toks.len() {
        return Err(p.err_at(p.i));
    }
    Ok(if stmts.len() == 1 {
        stmts.into_iter().next().unwrap_or(Expr::Nil)
    } else {
        Expr::Seq(stmts)
    })
}

/// True when evaluating `e` reads a variable (so a top-level `v::e` is a view).
pub fn reads_names(e: &Expr) -> bool {
    let mut any = false;
    walk(e, &mut |x| any |= matches!(x, Expr::Name(_) | Expr::Sql(_)));
    any
}

/// A view (`v::expr` at top level, reading names) is defined by the rest of the input:
/// `vv::a;` has the body `a;`, whose value is `::`.
fn view_bodies(mut stmts: Vec<Expr>) -> Vec<Expr> {
    let view_at = stmts.iter().position(|e| {
        matches!(e, Expr::Assign(a)
            if a.global && a.index.is_none() && a.op.is_none() && reads_names(&a.value))
    });
    let Some(k) = view_at else {
        return stmts;
    };
    let rest = stmts.split_off(k + 1);
    if rest.is_empty() {
        return stmts;
    }
    if let Some(Expr::Assign(a)) = stmts.last_mut() {
        let first = std::mem::replace(&mut a.value, Expr::Nil);
        let mut body = vec![first];
        body.extend(rest);
        a.value = Expr::Seq(body);
    }
    stmts
}

/// Where a parse error happened, for the console's caret line.
#[derive(Debug, Clone)]
pub struct ParseErrorAt {
    pub pos: usize,
}

#[derive(Clone, Copy, Default)]
struct Stops {
    /// qSQL phrase: stop at a top-level comma.
    comma: bool,
    /// Stop at `by`/`from`.
    by_from: bool,
    /// Stop at `from` only (delete's column list).
    from: bool,
    /// Stop at `where`.
    where_: bool,
}

struct Parser<'a> {
    src: &'a [u8],
    toks: Vec<Token>,
    i: usize,
    stops: Vec<Stops>,
}

enum Term {
    Noun(Expr),
    Verb(Verb),
}

/// The one-glyph verbs that have a modifying assignment form (`+:`, `,::`).
const GLYPH_VERBS: &[u8] = b"+-*%!&|^=<>,#_~$?@.";

fn is_assign_op(v: &str) -> bool {
    v.len() == 2 && v.ends_with(':') && v != "::" && !v.starts_with(':')
}

impl Parser<'_> {
    /// Whether the one-glyph verb `v` at the cursor is followed, with no space, by `::`
    /// and then a value: `x,::y` amends the global `x` (`x+::1`, `x,::enlist r`). A
    /// `::` with nothing after it (`x~::`) stays the identity.
    fn global_op_follows(&self, v: &str) -> bool {
        let glyph = v.len() == 1 && v != ":" && v.bytes().all(|c| GLYPH_VERBS.contains(&c));
        let colons = self
            .toks
            .get(self.i + 1)
            .is_some_and(|t| !t.space_before && matches!(&t.tok, Tok::Verb(c) if c == "::"));
        let value_after = self
            .toks
            .get(self.i + 2)
            .is_some_and(|t| !matches!(t.tok, Tok::RParen | Tok::RBrack | Tok::RBrace | Tok::Semi));
        glyph && colons && value_after
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.i + k).map(|t| &t.tok)
    }

    fn err_at(&self, i: usize) -> QError {
        let pos = self.toks.get(i).map_or(self.src.len(), |t| t.pos);
        let near: String = String::from_utf8_lossy(&self.src[pos.min(self.src.len())..])
            .chars()
            .take(12)
            .collect();
        let e = match self.toks.get(i).map(|t| &t.tok) {
            Some(Tok::RParen) | Some(Tok::RBrack) | Some(Tok::RBrace) => QError::new(
                near.chars()
                    .next()
                    .map_or("parse".into(), |c| c.to_string()),
            ),
            _ => QError::new(if near.is_empty() {
                "parse".to_string()
            } else {
                near
            }),
        };
        e.at(pos)
    }

    fn expect(&mut self, t: Tok) -> QResult<()> {
        if self.peek() == Some(&t) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err_at(self.i))
        }
    }

    fn stop(&self) -> Stops {
        self.stops.last().copied().unwrap_or_default()
    }

    /// Statements separated by `;` up to a closing token or the end.
    fn statements(&mut self) -> QResult<Vec<Expr>> {
        let mut out = vec![self.expr()?];
        while self.peek() == Some(&Tok::Semi) {
            self.i += 1;
            out.push(self.expr()?);
        }
        Ok(out)
    }

    fn at_end_of_expr(&self, have_terms: bool) -> bool {
        let s = self.stop();
        match self.peek() {
            None | Some(Tok::Semi) | Some(Tok::RParen) | Some(Tok::RBrack) | Some(Tok::RBrace) => {
                true
            }
            Some(Tok::Verb(v)) if s.comma && v == "," => true,
            Some(Tok::Name(n)) => {
                (s.by_from && (n == "by" || n == "from"))
                    || (s.from && n == "from")
                    || (s.where_ && n == "where" && have_terms)
            }
            _ => false,
        }
    }

    /// One expression: collect terms, then fold them right to left.
    fn expr(&mut self) -> QResult<Expr> {
        let mut terms: Vec<Term> = Vec::new();
        loop {
            if self.at_end_of_expr(!terms.is_empty()) {
                break;
            }
            let start = self.i;
            let tok = match self.peek() {
                Some(t) => t.clone(),
                None => break,
            };
            // `:x` — return; `'x` — signal (when nothing precedes it).
            if terms.is_empty() {
                if let Tok::Verb(v) = &tok {
                    let closes = matches!(
                        self.peek_at(1),
                        None | Some(Tok::RParen)
                            | Some(Tok::RBrack)
                            | Some(Tok::Semi)
                            | Some(Tok::Adverb(_))
                    );
                    if v == ":" && self.peek_at(1) == Some(&Tok::LBrack) {
                        // `:[v;p1;r1;...;rd]` — pattern conditional
                        self.i += 1;
                        let t = Term::Noun(self.pattern_cond()?);
                        terms.push(self.postfix(t)?);
                        continue;
                    }
                    if v == ":" && !closes {
                        self.i += 1;
                        let rest = self.expr()?;
                        return Ok(Expr::Return(Box::new(rest)));
                    }
                }
                if let Tok::Adverb(a) = &tok {
                    if a == "'" && self.peek_at(1) == Some(&Tok::LBrack) {
                        // '[f;g] — composition
                        self.i += 1;
                        let args = self.bracket_args()?;
                        let t = Term::Noun(Expr::Apply(
                            Box::new(Expr::Name(Sym::from_text("'"))),
                            args,
                        ));
                        terms.push(self.postfix(t)?);
                        continue;
                    }
                    if a == "'" {
                        self.i += 1;
                        let rest = self.expr()?;
                        return Ok(Expr::Signal(Box::new(rest)));
                    }
                }
            }
            let term = match tok {
                Tok::Num(_) => Term::Noun(Expr::Lit(self.numbers()?)),
                Tok::Str(s) => {
                    self.i += 1;
                    Term::Noun(Expr::Lit(if s.len() == 1 {
                        K::char(s[0])
                    } else {
                        K::string(s)
                    }))
                }
                Tok::Syms(ss) => {
                    self.i += 1;
                    Term::Noun(Expr::Lit(if ss.len() == 1 {
                        K::sym(Sym::new(&ss[0]))
                    } else {
                        K::syms(ss.iter().map(|s| Sym::new(s)))
                    }))
                }
                Tok::Name(n) => {
                    self.i += 1;
                    match n.as_str() {
                        "select" | "exec" | "update" | "delete" if self.is_sql_start() => {
                            Term::Noun(self.sql(&n)?)
                        }
                        "if" | "do" | "while" if self.peek() == Some(&Tok::LBrack) => {
                            let args = self.bracket_exprs()?;
                            Term::Noun(match n.as_str() {
                                "if" => Expr::If(args),
                                "do" => Expr::Do(args),
                                _ => Expr::While(args),
                            })
                        }
                        _ if INFIX_WORDS.contains(&n.as_str())
                            && matches!(terms.last(), Some(Term::Noun(_)))
                            && !matches!(self.peek(), Some(Tok::LBrack) | Some(Tok::Adverb(_))) =>
                        {
                            Term::Verb(Verb::Word(Sym::from_text(&n)))
                        }
                        _ => Term::Noun(Expr::Name(Sym::from_text(&n))),
                    }
                }
                Tok::Verb(v) => {
                    self.i += 1;
                    if v == "$" && self.peek() == Some(&Tok::LBrack) {
                        let args = self.bracket_args()?;
                        if args.len() >= 3 {
                            let args = args.into_iter().map(|a| a.unwrap_or(Expr::Nil)).collect();
                            Term::Noun(Expr::Cond(args))
                        } else {
                            Term::Noun(Expr::Apply(
                                Box::new(Expr::Verb(Verb::Prim("$".into()))),
                                args,
                            ))
                        }
                    } else {
                        Term::Verb(Verb::Prim(v.as_str().into()))
                    }
                }
                Tok::Adverb(a) => {
                    // An iterator with nothing to its left is a noun: applied with brackets
                    // it derives a prefix function (`/[+]`), alone it is the iterator value
                    // (`(/;+)` in a parse tree).
                    let code = super::prims::codes::ITERATOR_GLYPHS
                        .iter()
                        .position(|g| *g == a)
                        .unwrap_or(0) as u8;
                    self.i += 1;
                    let lone = matches!(
                        self.peek(),
                        None | Some(Tok::Semi) | Some(Tok::RParen) | Some(Tok::RBrack)
                    );
                    if self.peek() != Some(&Tok::LBrack) && !lone {
                        return Err(QError::new(a).at(self.toks[start].pos));
                    }
                    Term::Noun(Expr::Lit(K::Func(qipc::Func::Iterator(code))))
                }
                Tok::LParen => {
                    let e = self.paren()?;
                    // `(pattern):value` — destructuring assignment.
                    if self.peek() == Some(&Tok::Verb(":".into())) && !self.stop().comma {
                        self.i += 1;
                        let pat = to_pattern(e).map_err(|e| e.at(self.toks[start].pos))?;
                        let value = self.expr()?;
                        terms.push(Term::Noun(Expr::Match(Box::new(pat), Box::new(value))));
                        break;
                    }
                    Term::Noun(e)
                }
                Tok::LBrace => Term::Noun(self.lambda()?),
                Tok::LBrack => {
                    // A bare bracket block `[a;b]` evaluates its statements.
                    let args = self.bracket_exprs()?;
                    Term::Noun(Expr::Seq(args))
                }
                Tok::RParen | Tok::RBrack | Tok::RBrace | Tok::Semi => break,
            };
            let term = self.postfix(term)?;
            // Assignment: a name (possibly indexed) followed by `:`, `::` or `op:`.
            if let Term::Noun(target) = &term {
                if let Some(Tok::Verb(v)) = self.peek() {
                    let v = v.clone();
                    let assignable = matches!(target, Expr::Name(_))
                        || matches!(target, Expr::Apply(f, _) if matches!(**f, Expr::Name(_)));
                    let in_sql_phrase = self.stop().comma;
                    // `x,::y` (lexed `,` then `::`): the modifying form of `::`.
                    let global_op = assignable && !in_sql_phrase && self.global_op_follows(&v);
                    if global_op
                        || assignable
                            && !in_sql_phrase
                            && (v == ":" || v == "::" || is_assign_op(&v))
                    {
                        self.i += if global_op { 2 } else { 1 };
                        let value = self.expr()?;
                        let (name, index) = match target {
                            Expr::Name(n) => (*n, None),
                            Expr::Apply(f, args) => match &**f {
                                Expr::Name(n) => (*n, Some(args.clone())),
                                _ => return Err(self.err_at(start)),
                            },
                            _ => return Err(self.err_at(start)),
                        };
                        let op = (is_assign_op(&v) || global_op).then(|| Verb::Prim(v[..1].into()));
                        terms.push(Term::Noun(Expr::Assign(Box::new(Assign {
                            name,
                            index,
                            op,
                            global: v == "::" || global_op,
                            value,
                        }))));
                        break;
                    }
                }
            }
            terms.push(term);
        }
        Ok(reduce(terms))
    }

    /// `select` etc. are qSQL only when used as templates (not `select[...]`-less names
    /// used as values, which q does not allow anyway).
    fn is_sql_start(&self) -> bool {
        true
    }

    /// A run of numeric tokens separated by spaces is one vector literal.
    fn numbers(&mut self) -> QResult<K> {
        let mut texts: Vec<String> = Vec::new();
        while let Some(Tok::Num(t)) = self.peek() {
            if !texts.is_empty() && !self.toks[self.i].space_before {
                break;
            }
            texts.push(t.clone());
            self.i += 1;
        }
        if texts.len() == 1 {
            literal::parse_token(&texts[0])
        } else {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            literal::parse_vector(&refs)
        }
    }

    /// Brackets and iterators that bind to the term on their left.
    fn postfix(&mut self, mut term: Term) -> QResult<Term> {
        loop {
            match self.peek() {
                Some(Tok::LBrack) => {
                    let args = self.bracket_args()?;
                    let f = match term {
                        Term::Noun(e) => e,
                        Term::Verb(v) => Expr::Verb(v),
                    };
                    term = Term::Noun(Expr::Apply(Box::new(f), args));
                }
                Some(Tok::Adverb(a)) if !self.toks[self.i].space_before || a != "'" => {
                    let a: Arc<str> = a.as_str().into();
                    self.i += 1;
                    let operand = match term {
                        Term::Noun(e) => e,
                        Term::Verb(v) => Expr::Verb(v),
                    };
                    term = Term::Verb(Verb::Derived(Box::new(operand), a));
                }
                _ => return Ok(term),
            }
        }
    }

    /// Run `f` with `stops` in force, popped again whatever `f` returns.
    fn within<T>(&mut self, stops: Stops, f: impl FnOnce(&mut Self) -> QResult<T>) -> QResult<T> {
        self.stops.push(stops);
        let r = f(self);
        self.stops.pop();
        r
    }

    /// `[a;b;c]` with elided (empty) arguments as `None`; `[]` is one `::` argument.
    fn bracket_args(&mut self) -> QResult<Vec<Option<Expr>>> {
        self.expect(Tok::LBrack)?;
        let mut args = self.within(Stops::default(), |p| {
            let mut args = Vec::new();
            loop {
                let e = p.expr()?;
                args.push(match e {
                    Expr::Nil => None,
                    e => Some(e),
                });
                match p.peek() {
                    Some(Tok::Semi) => p.i += 1,
                    Some(Tok::RBrack) => {
                        p.i += 1;
                        return Ok(args);
                    }
                    _ => return Err(p.err_at(p.i)),
                }
            }
        })?;
        if args.len() == 1 && args[0].is_none() {
            args[0] = Some(Expr::Lit(K::NULL));
        }
        Ok(args)
    }

    fn bracket_exprs(&mut self) -> QResult<Vec<Expr>> {
        Ok(self
            .bracket_args()?
            .into_iter()
            .map(|a| a.unwrap_or(Expr::Nil))
            .collect())
    }

    /// `(...)`: grouping, a general list `(a;b)`, `()`, or a table literal `([] ...)`.
    fn paren(&mut self) -> QResult<Expr> {
        self.expect(Tok::LParen)?;
        self.within(Stops::default(), Self::paren_inner)
    }

    fn paren_inner(&mut self) -> QResult<Expr> {
        if self.peek() == Some(&Tok::RParen) {
            self.i += 1;
            return Ok(Expr::Lit(K::list(Vec::new())));
        }
        if self.peek() == Some(&Tok::LBrack) {
            // table literal
            self.i += 1;
            let keys = self.columns(Tok::RBrack)?;
            // `([k:..];c:..)`: q accepts a separator after the key columns.
            if self.peek() == Some(&Tok::Semi) {
                self.i += 1;
            }
            let cols = self.columns(Tok::RParen)?;
            return Ok(Expr::Table(keys, cols));
        }
        let items = self.statements()?;
        self.expect(Tok::RParen)?;
        if items.len() == 1 {
            let e = items.into_iter().next().unwrap_or(Expr::Nil);
            // `(+)` is a noun: the caller wraps whatever comes back as Term::Noun.
            return Ok(e);
        }
        Ok(Expr::List(items))
    }

    /// Table-literal columns `name:expr` or `name` separated by `;` up to and including
    /// `close` (none when `close` comes first).
    fn columns(&mut self, close: Tok) -> QResult<Vec<(Sym, Expr)>> {
        let mut out = Vec::new();
        if self.peek() == Some(&close) {
            self.i += 1;
            return Ok(out);
        }
        loop {
            let (name, e) = self.named_expr()?;
            let name = name
                .or_else(|| derive_name(&e))
                .unwrap_or_else(|| Sym::from_text("x"));
            out.push((name, e));
            match self.peek() {
                Some(Tok::Semi) => self.i += 1,
                Some(t) if *t == close => {
                    self.i += 1;
                    return Ok(out);
                }
                _ => return Err(self.err_at(self.i)),
            }
        }
    }

    /// `name:expr` or `expr`.
    fn named_expr(&mut self) -> QResult<(Option<Sym>, Expr)> {
        if let (Some(Tok::Name(n)), Some(Tok::Verb(v))) = (self.peek(), self.peek_at(1)) {
            if v == ":" {
                let n = Sym::from_text(n);
                self.i += 2;
                return Ok((Some(n), self.expr()?));
            }
        }
        Ok((None, self.expr()?))
    }

    fn lambda(&mut self) -> QResult<Expr> {
        let open = self.i;
        self.expect(Tok::LBrace)?;
        let mut params = Vec::new();
        let mut explicit = false;
        let mut patterns: Vec<Option<Pattern>> = Vec::new();
        let body = self.within(Stops::default(), |p| {
            if p.peek() == Some(&Tok::LBrack) {
                explicit = true;
                p.lambda_params(&mut params, &mut patterns)?;
            }
            p.statements()
        })?;
        if self.peek() != Some(&Tok::RBrace) {
            return Err(self.err_at(self.i));
        }
        let close = self.i;
        self.i += 1;
        let text: Arc<str> =
            String::from_utf8_lossy(&self.src[self.toks[open].pos..self.toks[close].end]).into();
        if !explicit {
            let mut used = [false; 3];
            for e in &body {
                implicit_params(e, &mut used);
            }
            let n = if used[2] {
                3
            } else if used[1] {
                2
            } else {
                1
            };
            params = ["x", "y", "z"][..n]
                .iter()
                .map(|s| Sym::from_text(s))
                .collect();
        }
        let mut locals = Vec::new();
        for p in patterns.iter().flatten() {
            pattern_names(p, &mut locals);
        }
        for e in &body {
            collect_locals(e, &mut locals);
        }
        locals.retain(|l| !params.contains(l));
        if patterns.iter().all(Option::is_none) {
            patterns.clear();
        }
        Ok(Expr::Lambda(Arc::new(LambdaDef {
            params,
            patterns,
            implicit: !explicit,
            locals,
            body,
            text,
        })))
    }

    /// A lambda's `[a;b;...]` parameter list: names, or patterns (`(a;b)`, `x:f`, an
    /// empty slot) whose names become locals.
    fn lambda_params(
        &mut self,
        params: &mut Vec<Sym>,
        patterns: &mut Vec<Option<Pattern>>,
    ) -> QResult<()> {
        self.expect(Tok::LBrack)?;
        if self.peek() == Some(&Tok::RBrack) {
            self.i += 1;
            return Ok(());
        }
        loop {
            let start = self.i;
            match self.expr()? {
                Expr::Name(n) => {
                    params.push(n);
                    patterns.push(None);
                }
                e => {
                    params.push(Sym::NULL);
                    patterns.push(Some(to_pattern(e).map_err(|_| self.err_at(start))?));
                }
            }
            match self.peek() {
                Some(Tok::Semi) => self.i += 1,
                Some(Tok::RBrack) => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.err_at(self.i)),
            }
        }
    }

    /// `:[v;p1;r1;...;rd]` after the colon: the value, pattern/result pairs and an
    /// optional default.
    fn pattern_cond(&mut self) -> QResult<Expr> {
        let start = self.i;
        let args = self.bracket_exprs()?;
        let mut it = args.into_iter();
        let v = it.next().unwrap_or(Expr::Nil);
        let rest: Vec<Expr> = it.collect();
        let mut pairs = Vec::new();
        let mut chunks = rest.chunks_exact(2);
        for c in chunks.by_ref() {
            let p = to_pattern(c[0].clone()).map_err(|e| e.at(self.toks[start].pos))?;
            pairs.push((p, c[1].clone()));
        }
        let default = chunks.remainder().first().cloned().map(Box::new);
        Ok(Expr::PatCond(Box::new(v), pairs, default))
    }

    /// qSQL: `select [..] cols [by ..] from t [where ..]` and friends.
    fn sql(&mut self, word: &str) -> QResult<Expr> {
        let kind = match word {
            "select" => SqlKind::Select,
            "exec" => SqlKind::Exec,
            "update" => SqlKind::Update,
            _ => SqlKind::Delete,
        };
        let mut limit = None;
        if kind == SqlKind::Select && self.peek() == Some(&Tok::LBrack) {
            let args = self.bracket_exprs()?;
            limit = Some(if args.len() == 1 {
                args.into_iter().next().unwrap_or(Expr::Nil)
            } else {
                Expr::List(args)
            });
        }
        let mut distinct = false;
        if matches!(kind, SqlKind::Select | SqlKind::Exec) {
            if let Some(Tok::Name(n)) = self.peek() {
                if n == "distinct" {
                    distinct = true;
                    self.i += 1;
                }
            }
        }
        let stops = Stops {
            comma: true,
            by_from: kind != SqlKind::Delete,
            from: true,
            where_: false,
        };
        let cols = self.phrase(stops)?;
        let mut by = None;
        if matches!(self.peek(), Some(Tok::Name(n)) if n == "by") {
            self.i += 1;
            by = Some(self.phrase(stops)?);
        }
        if !matches!(self.peek(), Some(Tok::Name(n)) if n == "from") {
            return Err(self.err_at(self.i));
        }
        self.i += 1;
        let from = self.within(
            Stops {
                where_: true,
                ..Stops::default()
            },
            Self::expr,
        )?;
        let mut wheres = Vec::new();
        if matches!(self.peek(), Some(Tok::Name(n)) if n == "where") {
            self.i += 1;
            let comma = Stops {
                comma: true,
                ..Stops::default()
            };
            self.within(comma, |p| loop {
                wheres.push(p.expr()?);
                if matches!(p.peek(), Some(Tok::Verb(v)) if v == ",") {
                    p.i += 1;
                } else {
                    return Ok(());
                }
            })?;
        }
        Ok(Expr::Sql(Box::new(Sql {
            kind,
            cols,
            by,
            from,
            wheres,
            limit,
            distinct,
        })))
    }

    /// A comma-separated qSQL phrase (possibly empty).
    fn phrase(&mut self, stops: Stops) -> QResult<Vec<(Option<Sym>, Expr)>> {
        self.within(stops, |p| {
            let mut out = Vec::new();
            loop {
                if matches!(p.peek(), Some(Tok::Name(n)) if n == "by" || n == "from") {
                    return Ok(out);
                }
                let (name, e) = p.named_expr()?;
                if !matches!(e, Expr::Nil) {
                    out.push((name, e));
                }
                if matches!(p.peek(), Some(Tok::Verb(v)) if v == ",") {
                    p.i += 1;
                } else {
                    return Ok(out);
                }
            }
        })
    }
}

/// Fold terms right to left into one expression.
fn reduce(terms: Vec<Term>) -> Expr {
    reduce_train(terms).0
}

/// `'[f;g]` — the composition of two expressions.
fn compose(f: Expr, g: Expr) -> Expr {
    Expr::Apply(
        Box::new(Expr::Name(Sym::from_text("'"))),
        vec![Some(f), Some(g)],
    )
}

/// Fold terms right to left; also say whether the result is a "train", a phrase that
/// ends in a verb with nothing to its right (`2*`, `sum@`, `+`). A train to the right of
/// a unary value or of `x f` composes with it: `(0|+)`, `105>sum@`, `til count@`.
fn reduce_train(mut terms: Vec<Term>) -> (Expr, bool) {
    if terms.is_empty() {
        return (Expr::Nil, false);
    }
    let mut rest = terms.split_off(1);
    let (first, first_is_verb) = match terms.pop() {
        Some(Term::Noun(e)) => (e, false),
        Some(Term::Verb(v)) => (Expr::Verb(v), true),
        None => return (Expr::Nil, false),
    };
    if rest.is_empty() {
        return (first, first_is_verb);
    }
    if !first_is_verb {
        if let Some(Term::Verb(_)) = rest.first() {
            let tail = rest.split_off(1);
            let verb = match rest.pop() {
                Some(Term::Verb(v)) => v,
                _ => unreachable_verb(),
            };
            let (right, train) = reduce_train(tail);
            if matches!(right, Expr::Nil) {
                return (
                    Expr::Dyad(Box::new(Expr::Verb(verb)), Box::new(first), None),
                    true,
                );
            }
            if train {
                let left = Expr::Dyad(Box::new(Expr::Verb(verb)), Box::new(first), None);
                return (compose(left, right), true);
            }
            return (
                Expr::Dyad(
                    Box::new(Expr::Verb(verb)),
                    Box::new(first),
                    Some(Box::new(right)),
                ),
                false,
            );
        }
    }
    let (arg, train) = reduce_train(rest);
    if train && !first_is_verb {
        return (compose(first, arg), true);
    }
    (Expr::Monad(Box::new(first), Box::new(arg)), false)
}

/// `reduce` only calls this after checking the term is a verb.
fn unreachable_verb() -> Verb {
    Verb::Prim("::".into())
}

/// Which of x, y, z a lambda body uses (not looking inside nested lambdas, nor inside the
/// select, by and where phrases of a query, which q's compiler does not see into).
fn implicit_params(e: &Expr, used: &mut [bool; 3]) {
    walk_with(e, false, &mut |e| {
        if let Expr::Name(n) = e {
            match n.as_bytes() {
                b"x" => used[0] = true,
                b"y" => used[1] = true,
                b"z" => used[2] = true,
                _ => {}
            }
        }
        if let Expr::Assign(a) = e {
            match a.name.as_bytes() {
                b"x" => used[0] = true,
                b"y" => used[1] = true,
                b"z" => used[2] = true,
                _ => {}
            }
        }
    });
}

fn collect_locals(e: &Expr, out: &mut Vec<Sym>) {
    // Only a plain `name:value` makes a local; `name+:v` and `name[i]:v` amend an
    // existing variable, which is a global unless declared local elsewhere.
    walk(e, &mut |e| match e {
        Expr::Assign(a)
            if !a.global
                && a.op.is_none()
                && a.index.is_none()
                && !a.name.as_bytes().starts_with(b".")
                && !out.contains(&a.name) =>
        {
            out.push(a.name);
        }
        Expr::Match(p, _) => pattern_names(p, out),
        Expr::PatCond(_, pairs, _) => {
            for (p, _) in pairs {
                pattern_names(p, out);
            }
        }
        _ => {}
    });
}

/// The names a pattern binds (locals of the lambda it appears in).
pub fn pattern_names(p: &Pattern, out: &mut Vec<Sym>) {
    match p {
        // An indexed name amends an existing variable, like `name[i]:v`.
        Pattern::Name(n) => {
            if !n.as_bytes().starts_with(b".") && !out.contains(n) {
                out.push(*n);
            }
        }
        Pattern::List(ps) => ps.iter().for_each(|p| pattern_names(p, out)),
        Pattern::Dict(_, p) | Pattern::Flip(p) | Pattern::Check(p, _) => pattern_names(p, out),
        Pattern::Bang(a, b) => {
            pattern_names(a, out);
            pattern_names(b, out);
        }
        Pattern::Table(k, c) => k
            .iter()
            .chain(c.iter())
            .for_each(|(_, p)| pattern_names(p, out)),
        Pattern::Null | Pattern::Const(_) | Pattern::Index(..) => {}
    }
}

/// Read an expression written on the left of `:` in parentheses (or as a lambda
/// parameter) as a pattern.
pub fn to_pattern(e: Expr) -> QResult<Pattern> {
    Ok(match e {
        Expr::Nil => Pattern::Null,
        Expr::Lit(k) => Pattern::Const(k),
        Expr::Name(n) => Pattern::Name(n),
        Expr::Apply(f, args) => match *f {
            Expr::Name(n) => Pattern::Index(n, args),
            _ => return Err(QError::parse()),
        },
        Expr::List(items) => {
            Pattern::List(items.into_iter().map(to_pattern).collect::<QResult<_>>()?)
        }
        Expr::Assign(a) if a.op.is_none() && !a.global => {
            let target = match a.index {
                None => Pattern::Name(a.name),
                Some(ix) => Pattern::Index(a.name, ix),
            };
            Pattern::Check(Box::new(target), a.value)
        }
        Expr::Return(x) => Pattern::Check(Box::new(Pattern::Null), *x),
        Expr::Match(p, v) => Pattern::Check(p, *v),
        Expr::Dyad(f, l, r) if matches!(&*f, Expr::Verb(Verb::Prim(p)) if &**p == "!") => {
            let right = match r {
                Some(r) => to_pattern(*r)?,
                None => Pattern::Null,
            };
            match *l {
                Expr::Lit(k) => Pattern::Dict(k, Box::new(right)),
                l => Pattern::Bang(Box::new(to_pattern(l)?), Box::new(right)),
            }
        }
        Expr::Monad(f, x)
            if matches!(&*f, Expr::Name(n) if n.as_bytes() == b"flip")
                || matches!(&*f, Expr::Verb(Verb::Prim(p)) if &**p == "+") =>
        {
            Pattern::Flip(Box::new(to_pattern(*x)?))
        }
        Expr::Table(keys, cols) if cols.is_empty() && !keys.is_empty() => {
            let names = K::syms(keys.iter().map(|c| c.0));
            let ps = keys
                .into_iter()
                .map(|(_, e)| to_pattern(e))
                .collect::<QResult<_>>()?;
            Pattern::Dict(names, Box::new(Pattern::List(ps)))
        }
        Expr::Table(keys, cols) => {
            let conv = |v: Vec<(Sym, Expr)>| -> QResult<Vec<(Sym, Pattern)>> {
                v.into_iter()
                    .map(|(n, e)| Ok((n, to_pattern(e)?)))
                    .collect()
            };
            Pattern::Table(conv(keys)?, conv(cols)?)
        }
        _ => return Err(QError::parse()),
    })
}

/// Visit the expressions inside a pattern (indices and filters).
fn walk_pattern(p: &Pattern, f: &mut dyn FnMut(&Expr)) {
    match p {
        Pattern::Index(_, ix) => ix.iter().flatten().for_each(|x| walk(x, f)),
        Pattern::List(ps) => ps.iter().for_each(|p| walk_pattern(p, f)),
        Pattern::Dict(_, p) | Pattern::Flip(p) => walk_pattern(p, f),
        Pattern::Check(p, e) => {
            walk_pattern(p, f);
            walk(e, f);
        }
        Pattern::Bang(a, b) => {
            walk_pattern(a, f);
            walk_pattern(b, f);
        }
        Pattern::Table(k, c) => k
            .iter()
            .chain(c.iter())
            .for_each(|(_, p)| walk_pattern(p, f)),
        Pattern::Null | Pattern::Const(_) | Pattern::Name(_) => {}
    }
}

/// Visit every sub-expression, not descending into nested lambdas.
pub fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    walk_with(e, true, f)
}

/// [`walk`], visiting a query's phrases only when `phrases` is set.
fn walk_with(e: &Expr, phrases: bool, f: &mut dyn FnMut(&Expr)) {
    let walk = |e: &Expr, f: &mut dyn FnMut(&Expr)| walk_with(e, phrases, f);
    f(e);
    match e {
        Expr::Apply(g, args) => {
            walk(g, f);
            for a in args.iter().flatten() {
                walk(a, f);
            }
        }
        Expr::Monad(g, x) => {
            walk(g, f);
            walk(x, f);
        }
        Expr::Dyad(g, x, y) => {
            walk(g, f);
            walk(x, f);
            if let Some(y) = y {
                walk(y, f);
            }
        }
        Expr::Verb(Verb::Derived(g, _)) => walk(g, f),
        Expr::List(v)
        | Expr::Cond(v)
        | Expr::If(v)
        | Expr::Do(v)
        | Expr::While(v)
        | Expr::Seq(v) => {
            for x in v {
                walk(x, f);
            }
        }
        Expr::Assign(a) => {
            if let Some(ix) = &a.index {
                for x in ix.iter().flatten() {
                    walk(x, f);
                }
            }
            walk(&a.value, f);
        }
        Expr::Return(x) | Expr::Signal(x) => walk(x, f),
        Expr::Match(p, v) => {
            walk_pattern(p, f);
            walk(v, f);
        }
        Expr::PatCond(v, pairs, d) => {
            walk(v, f);
            for (p, r) in pairs {
                walk_pattern(p, f);
                walk(r, f);
            }
            if let Some(d) = d {
                walk(d, f);
            }
        }
        Expr::Table(k, c) => {
            for (_, x) in k.iter().chain(c.iter()) {
                walk(x, f);
            }
        }
        Expr::Sql(s) => {
            walk(&s.from, f);
            if !phrases {
                return;
            }
            for (_, x) in s.cols.iter().chain(s.by.iter().flatten()) {
                walk(x, f);
            }
            for x in &s.wheres {
                walk(x, f);
            }
            if let Some(l) = &s.limit {
                walk(l, f);
            }
        }
        Expr::Lit(_) | Expr::Name(_) | Expr::Verb(_) | Expr::Lambda(_) | Expr::Nil => {}
    }
}

/// The column name q gives an unnamed expression in a table literal or a query phrase: the
/// name it assigns, if any (`` `long$amount:() `` → `amount`), else its leftmost noun when
/// that is a name (`sum price` → `price`, `x+y` → `x`, `2*c` → none, so `x`). A dotted
/// name gives its last part (`s.name` → `name`).
pub fn derive_name(e: &Expr) -> Option<Sym> {
    let mut assigned = None;
    walk(e, &mut |x| {
        if let Expr::Assign(a) = x {
            assigned.get_or_insert(a.name);
        }
    });
    assigned.or_else(|| leftmost_name(e))
}

fn leftmost_name(e: &Expr) -> Option<Sym> {
    match e {
        // The virtual row index `i` gives no name (`select count i` makes column `x`).
        Expr::Name(n) if n.as_bytes() == b"i" => None,
        Expr::Name(n) => {
            let b = n.as_bytes();
            let last = b.rsplit(|&c| c == b'.').next().unwrap_or(b);
            Some(Sym::new(last))
        }
        // A keyword applied infix names its column from its right argument when it can
        // (`size wavg price` is `price`, `5 xbar time.minute` is `minute`, as KX's
        // examples show): in q those keywords are lambdas, whose parse tree q names from
        // the last argument. Primitive verbs name from the left (`2*c2` is `x`).
        Expr::Dyad(f, x, y) if matches!(f.as_ref(), Expr::Verb(Verb::Word(_))) => y
            .as_deref()
            .and_then(leftmost_name)
            .or_else(|| leftmost_name(x)),
        Expr::Monad(_, x) | Expr::Dyad(_, x, _) => leftmost_name(x),
        // A lambda applied to its arguments likewise names from the last of them.
        Expr::Apply(f, args) if matches!(f.as_ref(), Expr::Lambda(_)) => {
            args.iter().rev().flatten().find_map(leftmost_name)
        }
        Expr::Apply(_, args) => args
            .first()
            .and_then(|a| a.as_ref())
            .and_then(leftmost_name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::console::run_lines as q;

    fn show(e: &Expr) -> String {
        match e {
            Expr::Lit(k) => format!("{k:?}").chars().take(0).collect::<String>() + &lit(k),
            Expr::Name(n) => n.to_string(),
            Expr::Verb(Verb::Prim(p)) => p.to_string(),
            Expr::Verb(Verb::Word(w)) => w.to_string(),
            Expr::Verb(Verb::Derived(f, a)) => format!("{}{}", show(f), a),
            Expr::Monad(f, x) => format!("({} {})", show(f), show(x)),
            Expr::Dyad(f, x, y) => format!(
                "({} {} {})",
                show(x),
                show(f),
                y.as_ref().map_or("_".into(), |y| show(y))
            ),
            Expr::Apply(f, a) => format!(
                "{}[{}]",
                show(f),
                a.iter()
                    .map(|x| x.as_ref().map_or(String::new(), show))
                    .collect::<Vec<_>>()
                    .join(";")
            ),
            Expr::Assign(a) => format!("{}:{}", a.name, show(&a.value)),
            Expr::Lambda(l) => format!("lambda{}", l.params.len()),
            Expr::List(v) => format!("({})", v.iter().map(show).collect::<Vec<_>>().join(";")),
            Expr::Sql(s) => format!("{:?}{}", s.kind, s.cols.len()),
            other => format!("{other:?}"),
        }
    }

    fn lit(k: &K) -> String {
        match k {
            K::Atom(a) => format!("{:?}", a.v),
            _ => format!("v{}", k.len()),
        }
    }

    #[test]
    fn keyed_table_literal_with_semicolon() {
        assert_eq!(q(&["([k:1 2]; v:3 4)"]), "k| v\n-| -\n1| 3\n2| 4");
    }

    #[test]
    fn qsql_phrases_mask_implicit_parameters() {
        assert_eq!(
            q(&["{select from ([]a:0 1;b:2 3) where a=x,b=y}[0;2]"]),
            "'rank"
        );
        assert_eq!(
            q(&["{[x;y]select from ([]a:0 1;b:2 3) where a=x,b=y}[0;2]"]),
            "a b\n---\n0 2"
        );
        assert_eq!(q(&["t:([]a:1 2)", "{select from y}[0;t]"]), "a\n-\n1\n2");
    }

    #[test]
    fn virtual_index_names_no_column() {
        assert_eq!(q(&["t:([]a:1 2 3)", "select count i from t"]), "x\n-\n3");
    }

    #[test]
    fn trains_compose() {
        assert_eq!(q(&["inc:1+", "inc\\[105>sum@;84 20]"]), "84 20\n85 21");
        assert_eq!(q(&["x:-100 2 3 4 -100 6", "0 (0|+)\\x"]), "0 2 5 9 0 6");
        assert_eq!(q(&["tc:til count@", "tc \"abc\""]), "0 1 2");
        assert_eq!(q(&["di:reciprocal(%).", "di 2 3"]), "1.5");
        assert_eq!(q(&["f:1+2*", "f 3"]), "7");
        // A parenthesised verb is a noun: applying a function to it does not compose.
        assert_eq!(q(&["type (+)"]), "102h");
        assert_eq!(q(&["type (0|+)"]), "105h");
    }

    #[test]
    fn op_global_assign_amends_the_global() {
        use crate::lang::console::run_lines as q;
        // `x,::y` in a lambda appends to the global, as q code does with `.kfk.stats,::`.
        assert_eq!(
            q(&["x:1 2", "f:{[a] x,::a}", "f 3", "f 4 5", "x"]),
            "1 2 3 4 5"
        );
        assert_eq!(q(&["n:0", "f:{n+::1}", "f[]", "f[]", "n"]), "2");
        assert_eq!(
            q(&["r:()", "f:{r,::enlist x}", "f 1 2", "f`a", "r"]),
            "1 2\n`a"
        );
        assert_eq!(q(&["d:`a`b!1 2", "f:{d[`a]+::10}", "f[]", "d`a"]), "11");
        // A local of that name is the one amended, as with `::`.
        assert_eq!(q(&["y:0", "g:{[y] y,::1; y}", "g 5"]), "5 1");
        assert_eq!(q(&["y:0", "g:{[y] y,::1; y}", "g 5", "y"]), "0");
        // Top level: the same as `x,:y`.
        assert_eq!(q(&["z:1", "z,::2", "z"]), "1 2");
        // An undefined global is its name.
        assert_eq!(q(&["f:{undefd,::1}", "f[]"]), "'undefd");
        // `::` with nothing after it is still the identity, not an assignment.
        assert_eq!(q(&["a:1", "b:(a~::;0)", "a"]), "1");
        assert_eq!(q(&["a:1", "a~(::)"]), "0b");
    }

    #[test]
    fn right_to_left() {
        assert_eq!(
            show(&parse("2*3+4").unwrap()),
            "(I64(2) * (I64(3) + I64(4)))"
        );
        assert_eq!(show(&parse("count x").unwrap()), "(count x)");
        assert_eq!(show(&parse("-x").unwrap()), "(- x)");
        assert_eq!(show(&parse("x in y").unwrap()), "(x in y)");
        assert_eq!(show(&parse("+/[1 2 3]").unwrap()), "+/[v3]");
        assert_eq!(show(&parse("f[;1]").unwrap()), "f[;I64(1)]");
        assert_eq!(show(&parse("a:1+2").unwrap()), "a:(I64(1) + I64(2))");
        assert_eq!(show(&parse("{x+y}").unwrap()), "lambda2");
        assert_eq!(show(&parse("(1;`a)").unwrap()), "(I64(1);Sym(`a))");
        assert_eq!(show(&parse("2+").unwrap()), "(I64(2) + _)");
        assert_eq!(show(&parse("f each x").unwrap()), "(f each x)");
        assert_eq!(
            show(&parse("select a, b:c from t where d>1").unwrap()),
            "Select2"
        );
    }

    #[test]
    fn query_columns_named_as_q_names_them() {
        let t = "t:([]time:09:30:00 09:31:00 09:37:00;sym:`a`b`a;size:1 2 3;price:1 2 3f)";
        let cols = |e: &str| q(&[t, &format!("cols {e}")]);
        // Primitive verbs name from the left; a constant there gives x.
        assert_eq!(cols("select 2*size, size+price from t"), "`x`size");
        // Keywords that are lambdas in q name from the right.
        assert_eq!(cols("select size wavg price by sym from t"), "`sym`price");
        assert_eq!(
            cols("select count i by 5 xbar time.minute from t"),
            "`minute`x"
        );
        assert_eq!(cols("select {x wsum y}[size;price] from t"), ",`price");
        // Falls back to the left when the right names nothing.
        assert_eq!(cols("select size mod 2 from t"), ",`size");
    }
}
