"""The Method of Equal Shares (MES), as pabutools 1.2.3 computes it.

Every voter starts with an equal share of the budget. A project can be bought only by its
supporters, each paying in proportion to their satisfaction with it: a supporter with satisfaction
``u`` pays ``rho * u`` or, if that is more than they have left, everything they have left. Each round
funds the project with the smallest ``rho`` (it costs its supporters least per unit of satisfaction),
ties broken by ascending project id as a string. Counting ends when no project can be paid for by its
supporters. Projects that nobody is satisfied with are never candidates; free projects that somebody
is satisfied with are funded up front.

``increment=1`` is pabutools' ``voter_budget_increment=1`` ("add1"): rerun MES with every voter's
share raised by 1 (in money) until the outcome is exhaustive (no further candidate fits), or until
the outcome would overspend, in which case the last affordable outcome stands. When a stretch of shares
provably gives the same outcome (see :func:`same_for_all_shares_between`), the loop jumps over it.

Exactness
---------
The state of MES after ``t`` rounds is fully determined by the exact ``rho`` of the ``t`` funded
projects: a voter's budget is ``max(0, share - sum(rho_j * u_j))`` over the funded projects they
support. Two implementations share that model:

* :func:`run_exact` uses ints and Fractions throughout. It is the reference and is used for small
  elections.
* :class:`FastMES` uses floats to decide each round and keeps a conservative error bound on every
  number it compares. Its clear-cut rounds are a plain loop (:mod:`voting.rules.mes_rounds`) that
  numba compiles for add1 completion and large elections and that runs as Python otherwise.
  Whenever two candidates are closer than that bound (a tie or near-tie), or a
  project's supporters have almost exactly its cost left, the round is settled in exact arithmetic:
  the exact budgets of the candidates' supporters are rebuilt from the formula above, computing the
  exact ``rho`` of earlier funded projects on demand (memoised). When the float computation shows that
  no supporter of a tied candidate is anywhere near their limit, its exact ``rho`` is simply
  ``cost / total satisfaction`` and no budgets are needed. The same holds when the only supporters
  near their limit are known to have exactly nothing left (they paid all they had for an earlier
  winner): rho is then ``cost / satisfaction of those who still pay``. The engine bounds how far any
  float budget can be from the exact one and only uses these shortcuts outside that bound. A float
  therefore never decides a close call; it only decides rounds whose winner is clear by a margin many
  orders of magnitude above the rounding error.

Why add1 still steps
--------------------
Inside a stretch of shares where the winners and the set of supporters who pay all they have stay
the same, every budget and every rho is affine in the share, so the outcome could only change at the
ends of such stretches. On some hard real files those ends are denser than the +1 steps
(``bench/mes_breakpoints.py``): Toulouse 2022 changes its sequence of winners at 663 of 1,618 steps
and which supporters pay all they have at 1,162; Ursynów 2019 at 62 and 109 of 110 steps; Ochota
2020 at 48 and 286 of 287. Only the funded set, which the stopping rule reads, changes rarely (55, 25
and 18 times), and it is the result of a whole run. Jumping to the next breakpoint therefore cannot
skip much there; each step is a full run, made cheap by compiling the clear-cut rounds (a run of
Toulouse 2022 takes about 0.4 ms; it took 4 ms as numpy calls). Where the winners do repeat for long
stretches, the galloping above proves them alike and jumps: on Budapest 2024 the sequence of winners
changes at 19 of its first 3,000 steps, and the loop counts MES at 2,442 of the 22,002 shares it visits.
The proof compares lower bounds of the rivals' rho, so runs that keep a trace look a little further
than the winner each round (``PROOF_REACH``): stale bounds otherwise failed most proofs. A jump that
cannot be proven is tried again half as far, and the run at its far end is kept: a later, shorter
jump from nearer often reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from voting.rules.election import Number, Tally
from voting.rules.mes_rounds import DONE, ERR, EVALUATED, N_FRESH, N_UNCERTAIN, SELECTED, advance

# The float engine settles every close call exactly, so it is used by default even for tiny elections;
# run_exact (exact=True) is the reference the tests compare it with.
SMALL = 0
# Supporter entries from which the clear-cut rounds run compiled (numba); add1 completion always does.
# Below it (a PB day of a few hundred ballots) the loop as Python takes a millisecond or two; above it,
# Python falls behind (Toulouse 2022, 6,939 entries: 19 ms as Python, under 1 ms compiled).
COMPILE_FROM = 2_000
# When add1 keeps traces to prove stretches of shares alike, each round also evaluates the candidates
# within 5% of the winner: their stale lower bounds otherwise failed four proofs in five on Budapest
# 2024 (stride 10) where the winners were the same, at the cost of about 3% more evaluations.
PROOF_REACH = 1.05


@dataclass
class MESResult:
    selected: list[int]  # including the projects funded up front
    budgets: list[float]  # per group, what voters had left at the end
    left: list[float]  # per project, what its supporters had left at the end
    share: Number  # per-voter share used by the returned outcome
    candidates: list[int]
    rounds: int = 0  # add1: how many MES runs
    exact_rounds: int = 0  # rounds settled in exact arithmetic
    skipped: int = 0  # add1: shares never counted because provably nothing changed there
    shares_visited: int = 1  # add1: how many shares pabutools' one-by-one loop counts MES at


def project_dtype(n_projects: int):
    """The narrowest integer type for project indices: numpy sorts 16-bit keys by radix, in linear time."""
    import numpy as np

    return np.uint16 if n_projects <= 1 << 16 else np.int64


def _exact_rho(cost: Number, sup: list[tuple[int, int, Number]], b: list) -> Fraction:
    """Smallest rho with sum(w * min(b_g, rho * u)) >= cost; the caller checked affordability."""
    rich = sup
    paid = 0
    denom = sum(w * u for _, w, u in sup)
    while True:
        rho = Fraction(cost - paid) / denom
        still = []
        for item in rich:
            g, w, u = item
            if b[g] < rho * u:
                paid += w * b[g]
                denom -= w * u
            else:
                still.append(item)
        if len(still) == len(rich):
            return rho
        rich = still


def _pay(sup, b, rho) -> None:
    for g, _, u in sup:
        share = rho * u
        bg = b[g]
        b[g] = bg - share if bg > share else 0


class Supporters:
    """Who supports each project and how much, as numpy arrays; exact lists built on demand."""

    def __init__(self, t: Tally, sat: str) -> None:
        import numpy as np

        self.t = t
        self.sat = sat
        groups = t.groups
        g_all = np.array(t.entry_group, dtype=np.int64)
        p_all = np.array(t.entry_project, dtype=project_dtype(len(t.names)))
        pts_exact = t.entry_points
        if t.kind == "approval":
            keep = None
            self.all_positive = True
        else:
            try:
                pts_f = np.array(pts_exact, dtype=np.float64)
            except TypeError:
                pts_f = np.array([float(x) for x in pts_exact], dtype=np.float64)
            keep = pts_f > 0
            self.all_positive = bool(keep.all())
        positions = np.arange(len(p_all), dtype=np.int64)
        if keep is not None and not self.all_positive:
            g_all, p_all, positions, pts_f = g_all[keep], p_all[keep], positions[keep], pts_f[keep]
        order = np.argsort(p_all, kind="stable")  # a radix sort for 16-bit ids: linear, not n log n
        self.g = g_all[order]
        self.pos = positions[order]
        self.pts_f = None if keep is None else pts_f[order]
        self.bounds = np.searchsorted(p_all[order], np.arange(len(t.names) + 1))
        self.pts_exact = pts_exact
        self.weights = np.array([w for w, _ in groups], dtype=np.float64)
        self._exact: dict[int, list] = {}

    def left(self, budgets: list[float]) -> list[float]:
        """Per project: what its supporters have left in total, given budgets per group."""
        np = __import__("numpy")
        if not len(budgets):
            return [0.0] * len(self.t.names)
        b = np.asarray(budgets, dtype=np.float64)
        cs = np.concatenate(([0.0], np.cumsum(self.weights[self.g] * b[self.g])))
        return (cs[self.bounds[1:]] - cs[self.bounds[:-1]]).tolist()

    def count(self, p: int) -> int:
        return int(self.bounds[p + 1] - self.bounds[p])

    def arrays(self, p: int):
        """(group indices, weights, satisfactions) of p's supporters, as float arrays."""
        np = __import__("numpy")
        sl = slice(self.bounds[p], self.bounds[p + 1])
        idx = self.g[sl]
        if self.t.kind == "approval":
            u = np.full(len(idx), float(self.t.costs[p]) if self.sat == "cost" else 1.0)
        else:
            u = self.pts_f[sl]
        return idx, self.weights[idx], u

    def exact(self, p: int) -> list[tuple[int, int, Number]]:
        """[(group, weight, satisfaction)] in exact numbers."""
        sup = self._exact.get(p)
        if sup is None:
            lo, hi = int(self.bounds[p]), int(self.bounds[p + 1])
            groups = self.t.groups
            if self.t.kind == "approval":
                u = self.t.costs[p] if self.sat == "cost" else 1
                sup = [(g, groups[g][0], u) for g in self.g[lo:hi].tolist()]
            else:
                pts = self.pts_exact
                sup = [
                    (g, groups[g][0], pts[k])
                    for g, k in zip(self.g[lo:hi].tolist(), self.pos[lo:hi].tolist(), strict=True)
                ]
            self._exact[p] = sup
        return sup

    def total(self, p: int) -> Number:
        """Exact total satisfaction with p."""
        t = self.t
        if t.kind == "approval":
            return t.voters[p] * (t.costs[p] if self.sat == "cost" else 1)
        if self.all_positive:
            return t.support[p]
        return sum(w * u for _, w, u in self.exact(p))


def _prepare(t: Tally, sat: str, initial: list[int]):
    sup = Supporters(t, sat)
    chosen = set(initial)
    up_front = []
    cands = []
    total_sat = {}
    for i in range(len(t.names)):
        if i in chosen or not sup.count(i):
            continue
        total = sup.total(i)
        if total <= 0:
            continue
        if t.costs[i] > 0:
            cands.append(i)
            total_sat[i] = total
        else:
            up_front.append(i)
    return sup, list(initial) + up_front, cands, total_sat


def run_exact(t: Tally, per, start: list[int], cands: list[int], total_sat, share: Number):
    """One MES run in exact arithmetic. Returns (selected, budgets)."""
    b: list = [Fraction(share)] * len(t.groups)
    costs = t.costs
    stored = {p: Fraction(costs[p], total_sat[p]) for p in cands}
    remaining = set(cands)
    selected = list(start)
    while remaining:
        best = None
        ties: list[int] = []
        for p in sorted(remaining, key=lambda q: (stored[q], q)):
            if best is not None and stored[p] > best:
                break
            sup = per[p]
            if sum(w * b[g] for g, w, _ in sup) < costs[p]:
                remaining.discard(p)
                continue
            rho = _exact_rho(costs[p], sup, b)
            stored[p] = rho
            if best is None or rho < best:
                best, ties = rho, [p]
            elif rho == best:
                ties.append(p)
        if not ties:
            break
        winner = min(ties)
        selected.append(winner)
        remaining.discard(winner)
        _pay(per[winner], b, best)
    return selected, b


class FastMES:
    """Float-driven MES with exact settlement of every close call (see the module docstring)."""

    def __init__(
        self, t: Tally, sup: Supporters, start: list[int], cands: list[int], total_sat, compiled: bool | None = None
    ) -> None:
        import numpy as np

        self.np = np
        self.t = t
        self.sup = sup
        self.start = start
        self.cands = cands
        self.total_sat = total_sat
        self.G = len(t.groups)
        self.idx = {}
        self.u = {}
        self.w = {}
        self.wu_total = {}
        self.costf = {}
        for p in cands:
            idx, w, u = sup.arrays(p)
            self.idx[p], self.w[p], self.u[p] = idx, w, u
            self.wu_total[p] = float((w * u).sum())
            self.costf[p] = float(t.costs[p])
        self.umax = {p: float(self.u[p].max()) for p in cands}
        # The same, flat, for the compiled rounds: candidates by local index (ascending project id),
        # their supporters one after another (candidate k's are starts[k]:starts[k + 1]).
        self.local = {p: k for k, p in enumerate(cands)}
        sizes = [len(self.idx[p]) for p in cands]
        self.starts = np.zeros(len(cands) + 1, dtype=np.int64)
        self.starts[1:] = np.cumsum(sizes, dtype=np.int64)

        def flat(arrays):
            return np.concatenate(arrays) if arrays else np.zeros(0)

        # A pass over a large file's supporters streams these from memory: 4-byte group numbers and,
        # where every weight (a count of identical ballots) fits exactly, 4-byte weights.
        self.grp = flat([self.idx[p] for p in cands]).astype(np.int32 if self.G < 2**31 else np.int64)
        w_flat = flat([self.w[p] for p in cands]).astype(np.float64)
        w_narrow = w_flat.astype(np.float32)
        self.w_flat = w_narrow if np.array_equal(w_narrow.astype(np.float64), w_flat) else w_flat
        self.u_flat = flat([self.u[p] for p in cands]).astype(np.float64)
        # the satisfaction every supporter has with a project, where it is the same for all (0: it is not)
        self.u_same = np.array(
            [self.u[p][0] if len(self.u[p]) and (self.u[p] == self.u[p][0]).all() and self.u[p][0] > 0 else 0.0
             for p in cands], dtype=np.float64,
        )  # fmt: skip
        self.wu_total_array = np.array([self.wu_total[p] for p in cands], dtype=np.float64)
        self.umax_array = np.array([self.umax[p] for p in cands], dtype=np.float64)
        self.cost_array = np.array([self.costf[p] for p in cands], dtype=np.float64)
        self.lo0_array = np.array(
            [float(Fraction(t.costs[p], total_sat[p])) * (1 - 1e-12) for p in cands], dtype=np.float64
        )
        # Compiling the rounds costs seconds once per machine; a small election runs them as Python.
        self.compiled = compiled if compiled is not None else len(self.grp) >= COMPILE_FROM
        self.advance = advance if self.compiled else advance.py_func
        self.evaluated = 0  # candidates looked at by the compiled rounds, over all runs
        self.exact_rounds = 0
        self.broke_settled = 0  # close calls settled without rebuilding budgets, thanks to broke voters
        self._ballot_u: list[list[tuple[int, Number]]] | None = None

    @property
    def ballot_u(self) -> list[list[tuple[int, Number]]]:
        """Per group: (candidate, exact satisfaction) for the candidates it supports."""
        if self._ballot_u is None:
            table: list[list[tuple[int, Number]]] = [[] for _ in range(self.G)]
            for p in self.cands:
                for g, _, u in self.sup.exact(p):
                    table[g].append((p, u))
            self._ballot_u = table
        return self._ballot_u

    def run(self, share: Number, trace: list | None = None, reach: float = 1.0) -> tuple[list[int], Any]:
        """One MES run at the given per-voter share.

        The clear-cut rounds run in :func:`voting.rules.mes_rounds.advance`; each close call it hands
        back is settled here in exact arithmetic. With a ``trace`` list, every round appends
        ``(winner, (upper bound of its rho, exact rho or None), lower bound of every other remaining
        project's rho, {other remaining project settled exactly this round: (lower bound of its rho,
        exact rho)})``; the settled ones are left out of the shared lower bound. See
        :func:`same_for_all_shares_between`.
        """
        np = self.np
        t = self.t
        costs = t.costs
        cands = self.cands
        local = self.local
        n_cands = len(cands)
        bf = np.full(self.G, float(share))
        share = Fraction(share)
        # stored lower bounds of rho (rho only grows as budgets shrink)
        lo = self.lo0_array.copy()
        # Groups whose exact budget is exactly 0: they were capped (paid everything they had) when a
        # project was funded. state_f[ERR] bounds how far any float budget is from the exact one.
        zero = np.zeros(self.G, dtype=np.bool_)
        remaining = np.ones(n_cands, dtype=np.bool_)
        sel = np.zeros(n_cands, dtype=np.int64)
        trace_hi = np.zeros(n_cands)
        trace_others = np.zeros(n_cands)
        state_f = np.zeros(1)
        state_i = np.zeros(5, dtype=np.int64)
        fresh_p = np.zeros(n_cands, dtype=np.int64)
        fresh_rho, fresh_lo, fresh_hi = np.zeros(n_cands), np.zeros(n_cands), np.zeros(n_cands)
        uncertain_at = np.zeros(n_cands, dtype=np.int64)
        tiny = 4.5e-16 * float(share)
        # exact state, computed lazily: a group's budget before round r is
        # max(0, share - sum(rho_j * u_j)) over the projects j it supports that were funded before r
        pos: dict[int, int] = {}
        rho_memo: dict[int, Fraction] = {}
        exact_trace: dict[int, tuple] = {}

        def budget_before(g: int, r: int):
            left = share
            for q, u in self.ballot_u[g]:
                k = pos.get(q)
                if k is not None and k < r:
                    left -= exact_rho_of(q) * u
            return left if left > 0 else 0

        def exact_rho_of(q: int) -> Fraction:
            value = rho_memo.get(q)
            if value is None:
                r = pos[q]
                b = {g: budget_before(g, r) for g, _, _ in self.sup.exact(q)}
                value = rho_memo[q] = _exact_rho(costs[q], self.sup.exact(q), b)
            return value

        while True:
            status = self.advance(
                state_f, state_i, bf, zero, lo, remaining, sel, trace_hi, trace_others,
                self.starts, self.grp, self.w_flat, self.u_flat, self.u_same, self.wu_total_array, self.umax_array,
                self.cost_array, tiny, reach, fresh_p, fresh_rho, fresh_lo, fresh_hi, uncertain_at,
            )  # fmt: skip
            r = int(state_i[SELECTED])
            for k in range(len(pos), r):
                pos[cands[sel[k]]] = k
            if status == DONE:
                break
            # close call: settle this round exactly
            self.exact_rounds += 1
            n_fresh = int(state_i[N_FRESH])
            fresh = {
                cands[fresh_p[j]]: (float(fresh_rho[j]), float(fresh_lo[j]), float(fresh_hi[j])) for j in range(n_fresh)
            }
            best_hi = min((hi for _, _, hi in fresh.values()), default=float("inf"))
            near = [p for p, (_, p_lo, _) in fresh.items() if p_lo <= best_hi]
            uncertain = [cands[k] for k in uncertain_at[: int(state_i[N_UNCERTAIN])].tolist()]
            err = float(state_f[ERR])
            settled: dict[int, Fraction] = {}
            before: dict[int, dict] = {}
            for p in near + uncertain:
                sup = self.sup.exact(p)
                if p in fresh:
                    paying = self.paying_all_but_broke(p, bf, zero, err, fresh[p][2])
                    if paying is not None:
                        settled[p] = Fraction(costs[p]) / paying
                        continue
                b = {g: budget_before(g, r) for g, _, _ in sup}
                if sum(w * b[g] for g, w, _ in sup) < costs[p]:
                    remaining[local[p]] = False
                    continue
                settled[p] = _exact_rho(costs[p], sup, b)
                before[p] = b
            if not settled:
                if fresh:
                    raise AssertionError("MES: a clearly affordable project became unaffordable")
                continue  # the uncertain ones were unaffordable; the round is begun again without them
            best = min(settled.values())
            p = min(q for q, v in settled.items() if v == best)
            for q, v in settled.items():
                lo[local[q]] = max(lo[local[q]], float(v) * (1 - 1e-12))
            pos[p] = r
            rho_memo[p] = best
            sel[r] = local[p]
            state_i[SELECTED] = r + 1
            remaining[local[p]] = False
            if trace is not None:
                exact_others = {q: (float(lo[local[q]]), v) for q, v in settled.items() if remaining[local[q]]}
                rest = remaining.copy()
                rest[[local[q] for q in exact_others]] = False
                others_lo = float(lo[rest].min()) if rest.any() else float("inf")
                exact_trace[r] = (p, (float(best) * (1 + 1e-12), best), others_lo, exact_others)
            if p in before:
                b = before[p]
                for g, _, u in self.sup.exact(p):
                    pay = best * u
                    if b[g] > pay:
                        bf[g] = float(b[g] - pay)
                    else:
                        bf[g] = 0.0
                        zero[g] = True
            else:  # every supporter with money left pays rho * u and keeps a clear remainder
                idx = self.idx[p]
                bf[idx] = np.maximum(bf[idx] - float(best) * self.u[p], 0.0)
                state_f[ERR] = err + tiny + float(best) * self.umax[p] * 2.3e-16
        self.evaluated += int(state_i[EVALUATED])
        n = int(state_i[SELECTED])
        winners = [cands[k] for k in sel[:n].tolist()]
        if trace is not None:
            for r, p in enumerate(winners):
                step = exact_trace.get(r)
                trace.append(step or (p, (float(trace_hi[r]), None), float(trace_others[r]), {}))
        return self.start + winners, bf  # a list only for the outcome returned (add1 makes thousands of runs)

    def paying_all_but_broke(self, p: int, bf, zero, err: float, rho_hi: float) -> Number | None:
        """Exact total satisfaction of p's supporters who have money left, if they all pay in full.

        Supporters known to have exactly nothing left pay nothing. If every other supporter has a
        budget clearly above ``rho_hi * u`` (``rho_hi`` bounds p's exact rho from above, ``err`` the
        float budgets' error), they all pay ``rho * u``, so the exact rho is ``cost / that total``, with
        no need to rebuild anyone's exact budget. None when that cannot be shown.
        """
        idx = self.idx[p]
        broke = zero[idx]
        if not broke.any():
            # nobody is near their limit: exactly rho = cost / total satisfaction
            if float(((bf[idx] - err) / self.u[p]).min()) <= rho_hi:
                return None
            return self.total_sat[p]
        if broke.all():
            return None
        paying = ~broke
        u = self.u[p][paying]
        if float(((bf[idx][paying] - err) / u).min()) <= rho_hi:
            return None
        self.broke_settled += 1
        if self.t.kind == "approval":
            each = self.t.costs[p] if self.sup.sat == "cost" else 1
            return each * int(self.w[p][paying].sum())
        return sum(w * u for (_, w, u), pay in zip(self.sup.exact(p), paying.tolist(), strict=True) if pay)


def same_for_all_shares_between(low: list, high: list) -> bool:
    """True if MES funds the same projects at every share between two runs' shares.

    With the same funded sequence so far, every voter's budget is non-decreasing in the share, so
    every project's ``rho`` is non-increasing and affordability only improves. Hence if both runs fund
    the same sequence and, in every round, the winner's ``rho`` at the low share is below every other
    candidate's ``rho`` at the high share (or equal, exactly, with the winner first in id order), the
    winner is the same at every share in between; a project unaffordable at the high share is
    unaffordable below it too. All bounds are conservative floats or exact Fractions.
    """
    if len(low) != len(high):
        return False
    for (w_low, (hi, exact_hi), _, _), (w_high, _, others_lo, exact_others) in zip(low, high, strict=True):
        if w_low != w_high or not hi < others_lo:
            return False
        for q, (lo, exact_lo) in exact_others.items():
            if exact_hi is not None:
                if exact_hi > exact_lo or (exact_hi == exact_lo and q < w_low):
                    return False
            elif not hi < lo:
                return False
    return True


def method_of_equal_shares(
    t: Tally,
    sat: str = "cost",
    increment: Number | None = None,
    initial: list[int] | None = None,
    exact: bool | None = None,
    skip: bool = True,
) -> MESResult:
    """MES on a tally; ``increment=1`` gives pabutools' add1 variant.

    With ``skip`` (the default) the add1 loop may jump over shares at which MES provably funds the
    same projects as at the current one (see :func:`same_for_all_shares_between`); the outcome is the
    one pabutools' one-by-one loop returns.
    """
    sup, start, cands, total_sat = _prepare(t, sat, list(initial or []))
    n = t.num_voters
    if n == 0:
        return MESResult(list(initial or []), [], [0.0] * len(t.names), 0, cands)
    if exact is None:
        exact = sum(sup.count(p) for p in cands) < SMALL
    compiled = True if increment is not None else None  # add1 reruns MES thousands of times
    engine = None if exact else FastMES(t, sup, start, cands, total_sat, compiled=compiled)
    per = {p: sup.exact(p) for p in cands} if exact else None

    def run(share, trace=None):
        if engine is None:
            sel, b = run_exact(t, per, start, cands, total_sat, share)
            return sel, [float(x) for x in b]
        return engine.run(share, trace, PROOF_REACH if trace is not None else 1.0)

    share = first_share = Fraction(t.budget, n)
    shares_visited = 1
    trace: list | None = [] if (engine is not None and increment is not None and skip) else None
    selected, budgets = run(share, trace)
    runs = 1
    skipped = 0
    if increment is not None:
        prev = (list(start), [float(share)] * len(t.groups), share)
        stride = 1  # galloping: how far ahead to try to prove that nothing changes
        # Runs at shares ahead of the current one whose jump could not be proven: a shorter jump may
        # reach them later, and then they cost nothing.
        ahead_runs: dict = {}

        def run_at(target):
            nonlocal runs
            found = ahead_runs.pop(target, None)
            if found is not None:
                return found
            target_trace: list | None = [] if trace is not None else None
            target_selected, target_budgets = run(target, target_trace)
            runs += 1
            return target_selected, target_budgets, target_trace

        while True:
            spent = sum(t.costs[p] for p in selected)
            if spent > t.budget:
                shares_visited = int((share - first_share) / increment) + 1
                selected, budgets, share = prev
                break
            chosen = set(selected)
            if all(spent + t.costs[p] > t.budget for p in cands if p not in chosen):
                shares_visited = int((share - first_share) / increment) + 1
                break
            prev = (selected, budgets, share)
            for done in [x for x in ahead_runs if x <= share]:
                del ahead_runs[done]
            if stride > 1:
                target = share + stride * increment
                target = max((x for x in ahead_runs if x < target), default=target)  # a free run, if nearer
                ahead_selected, ahead_budgets, ahead_trace = run_at(target)
                if same_for_all_shares_between(trace, ahead_trace):
                    # every share in between funds the same projects: nothing to stop at there
                    skipped += int((target - share) / increment) - 1
                    share = target
                    selected, budgets, trace = ahead_selected, ahead_budgets, ahead_trace
                    stride = min(stride * 2, 1 << 20)
                    continue
                ahead_runs[target] = (ahead_selected, ahead_budgets, ahead_trace)
                stride = int((target - share) / increment)
                if stride > 2:
                    stride //= 2  # something changed within the stride, or the proof fell short: look less far
                    continue
            share += increment
            selected, budgets, step_trace = run_at(share)
            if trace is not None:
                # jumps are tried again once a step funds the same sequence as the one before it
                stride = 2 if [step[0] for step in step_trace] == [step[0] for step in trace] else 1
                trace = step_trace
    return MESResult(
        selected=selected,
        budgets=budgets.tolist() if hasattr(budgets, "tolist") else list(budgets),
        left=sup.left(budgets),
        share=share,
        candidates=cands,
        rounds=runs,
        skipped=skipped,
        shares_visited=shares_visited,
        exact_rounds=engine.exact_rounds if engine else 0,
    )
