"""Copies of a module that behave as it does and read differently: an AST rewrite, new each time.

Lesson 14 grades a learner's tests by what they catch (course/mutation.py). A test that pins
the tested module's text, bytecode or names instead of its behaviour would tell the reference
from a mutant without sending a request; `rewrite()` makes such a test fail on code that is
the reference in all but form, so it counts as unsound and catches nothing. From a seed it:

- renames the local variables of each function (never a parameter: callers pass them by name);
- hides each module-level constant behind a private name, keeping the public one as an alias;
- reorders the module's definitions (classes, functions, constants) wherever no definition
  needs another at import time, and the methods of each class;
- writes numbers and strings as equivalent calls (`7` as `(3).__add__(4)`, `"code"` as
  `"".join(("co", "de"))`: Python folds `3 + 4` back into `7`, not a call), docstrings and
  f-strings excepted;
- splits `from x import a, b` into one import per name, and prints the module anew (no
  comments, another layout, other line numbers).

What it keeps: every public name, every docstring (DRF shows them), the order of the
statements in a class body other than its methods (a serializer's fields keep their order),
and the order of anything that is not a definition. The engine tests check that the reference
test module passes on rewrites of the reference and still catches every rewritten mutant.
"""

from __future__ import annotations

import ast
import builtins
import random

_WORDS = ("value", "item", "part", "entry", "found", "result", "piece", "thing", "data", "got")


def rewrite(source: str, seed: int) -> str:
    """`source` rewritten from `seed`: the same behaviour, another text and other bytecode."""
    tree = ast.parse(source)
    rng = random.Random(seed)
    taken = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    taken |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    taken |= {
        n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))
    } | set(dir(builtins))
    names = _Names(rng, taken)
    _split_imports(tree)
    _hide_constants(tree, names)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _rename_locals(node, names)
    _Expressions(rng).visit(tree)
    tree.body = _reorder(tree.body, rng)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            _shuffle_methods(node, rng)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"


class _Names:
    """Fresh private names, none already used in the module."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.taken = set(taken)

    def new(self) -> str:
        while True:
            name = f"_{self.rng.choice(_WORDS)}{self.rng.randrange(10, 1000)}"
            if name not in self.taken:
                self.taken.add(name)
                return name


def _split_imports(tree: ast.Module) -> None:
    body = []
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module != "__future__":
            body += [
                ast.ImportFrom(module=statement.module, names=[alias], level=statement.level)
                for alias in statement.names
            ]
        else:
            body.append(statement)
    tree.body = body


def _hide_constants(tree: ast.Module, names: _Names) -> None:
    """`LIMIT = 7` becomes `_part42 = 7` then `LIMIT = _part42`; the module's code uses `_part42`."""
    assigned: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            assigned[node.id] = assigned.get(node.id, 0) + 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                assigned[name] = 99
    hidden: dict[str, str] = {}
    body = []
    for statement in tree.body:
        body.append(statement)
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id.isupper()
            and assigned.get(statement.targets[0].id) == 1
        ):
            public = statement.targets[0].id
            hidden[public] = names.new()
            statement.targets[0].id = hidden[public]
            body.append(
                ast.Assign(
                    targets=[ast.Name(public, ast.Store())],
                    value=ast.Name(hidden[public], ast.Load()),
                )
            )
    tree.body = body
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in hidden:
            node.id = hidden[node.id]


def _rename_locals(function: ast.FunctionDef | ast.AsyncFunctionDef, names: _Names) -> None:
    """Give the function's own local variables new names (parameters and globals stay)."""
    inner = [n for statement in function.body for n in ast.walk(statement)]
    if any(isinstance(n, (ast.ClassDef, ast.Global, ast.Nonlocal)) for n in inner) or any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _DYNAMIC
        for n in inner
    ):
        return  # locals() and friends see names: leave such a function as it is
    arguments = function.args
    parameters = {
        a.arg
        for a in arguments.posonlyargs
        + arguments.args
        + arguments.kwonlyargs
        + [arguments.vararg, arguments.kwarg]
        if a is not None
    }
    own = {
        n.id
        for n in inner
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in parameters
    }
    own |= {n.name for n in inner if isinstance(n, ast.ExceptHandler) and n.name}
    # A name that a nested function also takes as a parameter is left alone.
    for nested in inner:
        if isinstance(nested, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            nested_args = nested.args
            own -= {
                a.arg
                for a in nested_args.posonlyargs
                + nested_args.args
                + nested_args.kwonlyargs
                + [nested_args.vararg, nested_args.kwarg]
                if a is not None
            }
    mapping = {name: names.new() for name in sorted(own)}
    for node in inner:
        if isinstance(node, ast.Name) and node.id in mapping:
            node.id = mapping[node.id]
        elif isinstance(node, ast.ExceptHandler) and node.name in mapping:
            node.name = mapping[node.name]


_DYNAMIC = {"locals", "vars", "eval", "exec", "dir", "globals"}


class _Expressions(ast.NodeTransformer):
    """Numbers and strings written as equivalent calls (not docstrings, not in f-strings)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def visit_Expr(self, node):  # a docstring, or another bare expression: leave a string be
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node
        return self.generic_visit(node)

    def visit_JoinedStr(self, node):
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                value.value = self.visit(value.value)
        return node

    def visit_MatchValue(self, node):
        return node

    def visit_MatchSingleton(self, node):
        return node

    def visit_Constant(self, node):
        value = node.value
        if type(value) is int and 1 < value < 10**6 and self.rng.random() < 0.7:
            part = self.rng.randrange(1, value)
            add = ast.Attribute(ast.Constant(part), "__add__", ast.Load())
            return ast.Call(add, [ast.Constant(value - part)], [])
        if type(value) is str and len(value) >= 3 and self.rng.random() < 0.7:
            cut = self.rng.randrange(1, len(value))
            pieces = ast.Tuple([ast.Constant(value[:cut]), ast.Constant(value[cut:])], ast.Load())
            return ast.Call(ast.Attribute(ast.Constant(""), "join", ast.Load()), [pieces], [])
        return node


def _defined(statement: ast.stmt) -> set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, ast.Assign):
        return {n.id for t in statement.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def _loaded_at_import(statement: ast.stmt) -> set[str]:
    """The names a definition reads when it runs at import (not inside function bodies)."""
    found: set[str] = set()

    def visit(node, top=False):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and not top:
            parts = [*getattr(node, "decorator_list", []), *node.args.defaults]
            parts += [d for d in node.args.kw_defaults if d is not None]
            for part in parts:
                visit(part)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for part in [*statement.decorator_list, *statement.args.defaults]:
            visit(part)
        for annotation in ast.walk(statement.args):
            if isinstance(annotation, ast.arg) and annotation.annotation is not None:
                visit(annotation.annotation)
        if statement.returns is not None:
            visit(statement.returns)
    else:
        visit(statement, top=False)
    return found


def _movable(statement: ast.stmt) -> bool:
    return isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or (
        isinstance(statement, ast.Assign) and bool(_defined(statement))
    )


def _reorder(body: list[ast.stmt], rng: random.Random) -> list[ast.stmt]:
    """A random order of the statements that keeps every order that matters.

    Two statements keep their order when either is not a definition (imports, calls,
    conditionals stay where they are relative to everything), or when one defines a name the
    other defines or reads at import.
    """
    count = len(body)
    defined = [_defined(s) for s in body]
    loaded = [_loaded_at_import(s) for s in body]
    movable = [_movable(s) for s in body]
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        movable[0] = False  # the docstring stays first
    before: list[set[int]] = [set() for _ in body]
    for later in range(count):
        for earlier in range(later):
            if (
                not (movable[earlier] and movable[later])
                or defined[earlier] & (loaded[later] | defined[later])
                or defined[later] & loaded[earlier]
            ):
                before[later].add(earlier)
    placed: list[int] = []
    waiting = set(range(count))
    while waiting:
        ready = sorted(i for i in waiting if before[i] <= set(placed))
        chosen = rng.choice(ready)
        placed.append(chosen)
        waiting.remove(chosen)
    return [body[i] for i in placed]


def _shuffle_methods(cls: ast.ClassDef, rng: random.Random) -> None:
    """Permute a class's methods among their own places; its other statements keep theirs."""
    body = cls.body
    functions = [
        i for i, s in enumerate(body) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    names = [body[i].name for i in functions]
    used = set()
    for i, statement in enumerate(body):
        if i not in functions:
            used |= _loaded_at_import(statement)
        else:
            for decorator in statement.decorator_list:
                used |= {n.id for n in ast.walk(decorator) if isinstance(n, ast.Name)}
    if len(set(names)) != len(names) or used & set(names) or len(functions) < 2:
        return  # a property's setter, or a method used in the class body: keep the order
    moved = [body[i] for i in functions]
    rng.shuffle(moved)
    for place, statement in zip(functions, moved, strict=True):
        body[place] = statement
