//! The parsed form of q code. The parser produces it, the evaluator walks it, and
//! `parse`/`eval` convert it to and from q's own parse trees (general lists).

use qipc::{Sym, K};
use std::sync::Arc;

/// An expression.
#[derive(Clone, Debug)]
pub enum Expr {
    /// A constant (numbers, strings, symbols written as data).
    Lit(K),
    /// A variable reference (local, global, or a dotted global like `.u.upd`).
    Name(Sym),
    /// A primitive glyph or derived verb in verb position (`+`, `+/`, `in`).
    Verb(Verb),
    /// `f[a;b]` — bracket application; `None` arguments are elided (projection).
    Apply(Box<Expr>, Vec<Option<Expr>>),
    /// `f x` — juxtaposition or a verb used monadically (`-x`, `count x`).
    Monad(Box<Expr>, Box<Expr>),
    /// `x f y` — infix application; a missing right argument projects (`2+`).
    Dyad(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    /// `(a;b;c)`
    List(Vec<Expr>),
    /// A lambda literal.
    Lambda(Arc<LambdaDef>),
    /// `name:v`, `name::v`, `name[i]:v`, `name op: v`, `name[i] op: v`.
    Assign(Box<Assign>),
    /// `(pattern):v` — destructuring assignment; its value is the (filtered) value.
    Match(Box<Pattern>, Box<Expr>),
    /// `:[v;p1;r1;p2;r2;...;rd]` — the result of the first pattern that matches `v`.
    PatCond(Box<Expr>, Vec<(Pattern, Expr)>, Option<Box<Expr>>),
    /// `:x` inside a lambda.
    Return(Box<Expr>),
    /// `'x`
    Signal(Box<Expr>),
    /// `$[c;t;f;...]`
    Cond(Vec<Expr>),
    /// `if[c;...]`
    If(Vec<Expr>),
    /// `do[n;...]`
    Do(Vec<Expr>),
    /// `while[c;...]`
    While(Vec<Expr>),
    /// `([k:..] c:..)` — key columns (empty for an unkeyed table) and value columns.
    Table(Vec<(Sym, Expr)>, Vec<(Sym, Expr)>),
    /// qSQL `select`/`exec`/`update`/`delete`.
    Sql(Box<Sql>),
    /// Statements separated by `;` (value is the last).
    Seq(Vec<Expr>),
    /// Nothing (an empty statement: `f[]`, `;;`).
    Nil,
}

/// A verb: a primitive glyph (with optional trailing colon form), a dyadic keyword used
/// infix, or an iterator applied to a verb or noun.
#[derive(Clone, Debug)]
pub enum Verb {
    /// `+`, `<=`, `#:`, `,:` ... as written.
    Prim(Arc<str>),
    /// An infix keyword such as `in`, `xbar`, `each`.
    Word(Sym),
    /// `f'`, `f/`, `f\`, `f':`, `f/:`, `f\:` — the operand is any expression.
    Derived(Box<Expr>, Arc<str>),
}

/// An assignment.
#[derive(Clone, Debug)]
pub struct Assign {
    pub name: Sym,
    /// Index arguments of `name[i;j]:...`.
    pub index: Option<Vec<Option<Expr>>>,
    /// The operator of a modifying assignment (`+:` → `+`).
    pub op: Option<Verb>,
    /// `::` — assign the global even inside a lambda.
    pub global: bool,
    pub value: Expr,
}

/// The left side of a pattern assignment, a pattern conditional's test, or a lambda
/// parameter written as a pattern.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// An elided pattern: matches anything present.
    Null,
    /// A constant: the value must match it (`~`).
    Const(K),
    /// A name: bound to the value.
    Name(Sym),
    /// `name[i;j]`: the value is assigned into the named variable at the index.
    Index(Sym, Vec<Option<Expr>>),
    /// `(p1;p2;...)`: a list of the same length, item by item.
    List(Vec<Pattern>),
    /// `keys!p` with constant keys, or `([k1:p1;k2:p2])`: the value's entries at those
    /// keys (which must all be present) match `p`.
    Dict(K, Box<Pattern>),
    /// `p1!p2`: a dictionary's keys match `p1` and its values `p2`.
    Bang(Box<Pattern>, Box<Pattern>),
    /// `([k:p]c:p)`: a table's (or keyed table's) named columns.
    Table(Vec<(Sym, Pattern)>, Vec<(Sym, Pattern)>),
    /// `flip p`: a table matched as its column dictionary.
    Flip(Box<Pattern>),
    /// `p:`t` (type check, `t` a type letter) or `p:f` (f applied, the result matched).
    Check(Box<Pattern>, Expr),
}

/// A parsed lambda.
#[derive(Debug)]
pub struct LambdaDef {
    /// Parameter names; a parameter written as a pattern has the null name here.
    pub params: Vec<Sym>,
    /// Per parameter, the pattern its argument is matched against (empty when every
    /// parameter is a plain name).
    pub patterns: Vec<Option<Pattern>>,
    /// Whether the parameters were implicit (x, y, z).
    pub implicit: bool,
    /// Names assigned with `:` inside (locals), excluding parameters.
    pub locals: Vec<Sym>,
    pub body: Vec<Expr>,
    pub text: Arc<str>,
}

/// A qSQL query.
#[derive(Clone, Debug)]
pub struct Sql {
    pub kind: SqlKind,
    /// `select a, b:f c` column phrase (name, expression); `delete a,b` names.
    pub cols: Vec<(Option<Sym>, Expr)>,
    pub by: Option<Vec<(Option<Sym>, Expr)>>,
    pub from: Expr,
    pub wheres: Vec<Expr>,
    /// `select[n]` / `select[n;>col]` limits.
    pub limit: Option<Expr>,
    pub distinct: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlKind {
    Select,
    Exec,
    Update,
    Delete,
}
