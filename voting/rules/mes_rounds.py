"""The clear-cut rounds of one MES run, as a plain loop that numba compiles for large elections.

:class:`voting.rules.mes.FastMES` decides a round in floats when its winner is clear by a margin far
above the rounding error, and settles every close call in exact arithmetic. This module is the float
half: it runs rounds until there is no candidate left (``DONE``) or until a round is a close call
(``CLOSE_CALL``), which it hands back to the caller with what it found, untouched: the caller settles
it exactly, pays for the winner and calls again.

Why a compiled loop: a round looks at two or three candidates, and on the hard real files add1
completion reruns MES thousands of times, so a run's time is almost all per-candidate overhead when
each step is a numpy call (about 4 ms a run on Toulouse 2022). The same loop compiled does a run in a
fraction of that. The loop is written so that it also runs as ordinary Python (``advance.py_func``),
which small elections use (compiling costs a few seconds once per machine; numba caches it on disk).

Error bounds and the order candidates are looked at are those of the float engine this replaces (see
the module docstring of :mod:`voting.rules.mes`): lower bounds of rho only grow within a run (budgets
only shrink), a candidate whose bound is above the best upper bound so far is not looked at.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit
except ImportError:  # numba missing: the loop runs as plain Python, correct but slower

    def njit(*args, **kwargs):
        def wrap(fn):
            fn.py_func = fn
            return fn

        return wrap


DONE = 0
CLOSE_CALL = 1

# Layout of the small state arrays shared with the caller.
ERR = 0  # floats: bound on how far any float budget is from the exact one
ROUNDS = 0  # ints: rounds begun (a close call's round is begun again if its candidates all fell out)
SELECTED = 1  # ints: how many winners in ``sel``
N_FRESH = 2  # ints: candidates evaluated in the round handed back
N_UNCERTAIN = 3  # ints: candidates whose affordability or rho the floats could not establish
EVALUATED = 4  # ints: candidates looked at, over all rounds (a measure of the work done)


@njit(cache=True, nogil=True)
def advance(
    state_f,
    state_i,
    bf,
    zero,
    lo,
    remaining,
    sel,
    trace_hi,
    trace_others,
    starts,
    grp,
    w,
    u,
    u_same,
    wu_total,
    umax,
    cost,
    tiny,
    reach,
    fresh_p,
    fresh_rho,
    fresh_lo,
    fresh_hi,
    uncertain,
):
    """Run clear-cut rounds; return DONE, or CLOSE_CALL with the round's candidates in the fresh_* arrays.

    Candidates are local indices (ascending project id). ``lo`` holds the lower bounds of rho,
    ``remaining`` who may still win, ``bf`` the float budgets per group and ``zero`` the groups known
    to have exactly nothing left. For each winner it records the upper bound of its rho and the lowest
    lower bound among the candidates left (``trace_hi``, ``trace_others``).

    ``reach`` (at least 1) also evaluates, each round, every candidate whose bound is below the best
    upper bound times ``reach``: it does not change the winner, only tightens the lower bounds that
    the trace records, which a proof that a stretch of shares funds the same projects compares.
    """
    n_cands = lo.shape[0]
    looked = np.zeros(n_cands, dtype=np.bool_)
    while True:
        state_i[ROUNDS] += 1
        eps = 2.3e-16 * (state_i[ROUNDS] + 16)
        err = state_f[ERR]
        best_hi = np.inf
        n_fresh = 0
        n_uncertain = 0
        looked[:] = False
        while True:
            # the candidate not looked at yet with the lowest bound (ties: lowest id)
            p = -1
            bound = np.inf
            for q in range(n_cands):
                if remaining[q] and not looked[q] and lo[q] < bound:
                    bound = lo[q]
                    p = q
            if p < 0 or bound > best_hi * reach:
                break
            looked[p] = True
            state_i[EVALUATED] += 1
            a, b = starts[p], starts[p + 1]
            c = cost[p]
            # One pass finds what the supporters have and who cannot pay rho * u at the rho they would
            # pay if all paid in full; later passes (rarely needed) refine rho as more are capped.
            rho = c / wu_total[p]
            avail = 0.0
            n_capped = 0
            capped_sum = 0.0
            denom = 0.0
            same = u_same[p]  # every supporter's satisfaction, when it is the same for all (approval)
            for k in range(a, b):
                bg = bf[grp[k]]
                wk = w[k]
                uk = same if same > 0.0 else u[k]
                avail += wk * bg
                # without branches: whether a supporter pays all they have is a coin toss to the CPU
                capped = 1.0 if bg < rho * uk else 0.0
                n_capped += int(capped)
                capped_sum += capped * (wk * bg)
                denom += (1.0 - capped) * (wk * uk)
            margin = 1000 * eps * (b - a + 1) * (avail + c) + 1e-9 * c
            if avail < c - margin:
                remaining[p] = False
                continue
            if avail <= c + margin:
                uncertain[n_uncertain] = p
                n_uncertain += 1
                continue
            # smallest rho with sum(w * min(b, rho * u)) = cost: supporters who cannot pay rho * u pay
            # all they have; repeat until the set of those stops growing
            ok = True
            if n_capped > 0:
                if denom <= 0 or capped_sum >= c:
                    ok = False
                else:
                    rho = (c - capped_sum) / denom
                while ok:
                    k_capped = 0
                    capped_now = 0.0
                    denom = 0.0
                    for k in range(a, b):
                        bg = bf[grp[k]]
                        uk = same if same > 0.0 else u[k]
                        if bg < rho * uk:
                            k_capped += 1
                            capped_now += w[k] * bg
                        else:
                            denom += w[k] * uk
                    if k_capped == n_capped:
                        break
                    n_capped = k_capped
                    capped_sum = capped_now
                    if denom <= 0 or capped_sum >= c:
                        ok = False
                        break
                    rho = (c - capped_sum) / denom
            if not ok:
                uncertain[n_uncertain] = p
                n_uncertain += 1
                continue
            rel = 1000 * eps * (b - a + 1) * (c + capped_sum + avail) / (c - capped_sum) + 1e-10
            p_lo = rho * (1 - rel)
            p_hi = rho * (1 + rel)
            if p_lo > lo[p]:
                lo[p] = p_lo
            fresh_p[n_fresh] = p
            fresh_rho[n_fresh] = rho
            fresh_lo[n_fresh] = p_lo
            fresh_hi[n_fresh] = p_hi
            n_fresh += 1
            if p_hi < best_hi:
                best_hi = p_hi
        state_i[N_FRESH] = n_fresh
        state_i[N_UNCERTAIN] = n_uncertain
        if n_fresh == 0 and n_uncertain == 0:
            return DONE
        near = 0
        winner = -1
        for j in range(n_fresh):
            if fresh_lo[j] <= best_hi:
                near += 1
                winner = j
        if near != 1 or n_uncertain > 0:
            return CLOSE_CALL
        p = fresh_p[winner]
        rho = fresh_rho[winner]
        p_lo = fresh_lo[winner]
        p_hi = fresh_hi[winner]
        same = u_same[p]
        for k in range(starts[p], starts[p + 1]):
            g = grp[k]
            bg = bf[g]
            uk = same if same > 0.0 else u[k]
            if bg + err < p_lo * uk:
                zero[g] = True  # certainly capped: they pay all they have
            left = bg - rho * uk
            bf[g] = left if left > 0.0 else 0.0
        state_f[ERR] = err + (p_hi - p_lo) * umax[p] + tiny
        remaining[p] = False
        r = state_i[SELECTED]
        sel[r] = p
        state_i[SELECTED] = r + 1
        trace_hi[r] = p_hi
        others = np.inf
        for q in range(n_cands):
            if remaining[q] and lo[q] < others:
                others = lo[q]
        trace_others[r] = others


def compile_now() -> None:
    """Compile ``advance`` (or load it from numba's cache on disk) by running it on a one-voter election."""
    one_f, one_i = np.zeros(1), np.zeros(1, dtype=np.int64)
    state_i = np.zeros(5, dtype=np.int64)
    advance(
        np.zeros(1), state_i, np.ones(1), np.zeros(1, dtype=np.bool_), np.zeros(1), np.ones(1, dtype=np.bool_),
        one_i.copy(), one_f.copy(), one_f.copy(), np.array([0, 1], dtype=np.int64), np.zeros(1, dtype=np.int32),
        np.ones(1, dtype=np.float32), np.ones(1), np.ones(1), np.ones(1), np.ones(1), np.ones(1), 0.0, 1.0,
        one_i.copy(), one_f.copy(), one_f.copy(), one_f.copy(), one_i.copy(),
    )  # fmt: skip
