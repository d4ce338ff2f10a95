"""Statistics for scripts/compare: scipy.stats where it has the method.

    median(xs)
    rankdata(xs)                       average ranks, 1-based (scipy.stats)
    mwu_null_counts(m, n)              exact null distribution of U (counts)
    mannwhitneyu(x, y, method="auto")  two-sided Mann-Whitney U test
                                       (scipy.stats.mannwhitneyu)
    ratio_ci(a, b, confidence=0.95)    Hodges-Lehmann ratio B/A and its interval

mannwhitneyu is scipy.stats.mannwhitneyu (Debian python3-scipy) with
alternative="two-sided", use_continuity=True, returning the method it used:
"auto" is "exact" when either sample has at most 8 values and there are no
ties, otherwise "asymptotic" (scipy's rule, stated here because scipy's
result does not say which it chose).

SciPy has no Hodges-Lehmann estimator, no Moses interval and no public exact
null distribution of U, so ratio_ci builds the interval from the exact null
counts here (mwu_null_counts, checked against enumeration and the published
critical values in tests/python/test_compare_stats.py) and from
scipy.stats.norm above 40000 pairs.
"""

import math
from collections import Counter, namedtuple

import scipy.stats

MWUResult = namedtuple("MWUResult", "statistic pvalue method")
RatioCI = namedtuple("RatioCI", "estimate low high k")


# Exact counts are integers of about log2(C(m+n, m)) bits; this bounds the
# polynomial's size (m*n + 1 coefficients) for the confidence interval.
_EXACT_CI_MAX_MN = 40000


def median(xs):
    """The sample median (mean of the middle two for an even count)."""
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("median of an empty sample")
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2.0


def rankdata(xs):
    """Average ranks (1-based) of xs, in input order (scipy.stats.rankdata)."""
    return [float(r) for r in scipy.stats.rankdata(xs)]


def mwu_null_counts(m, n):
    """Counts c[u], u = 0..m*n, of the orderings of m x's and n y's whose
    Mann-Whitney statistic (pairs with x above y) is u; sum(c) = C(m+n, m).

    These are the coefficients of the Gaussian binomial coefficient
    [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), computed in
    exact integer arithmetic.
    """
    if m < 0 or n < 0:
        raise ValueError("sample sizes must be >= 0")
    size = m * n + 1
    c = [0] * size
    c[0] = 1
    for i in range(1, m + 1):
        # multiply by (1 - q^(n+i)): descending so c[u - n - i] is still old
        shift = n + i
        for u in range(size - 1, shift - 1, -1):
            c[u] -= c[u - shift]
        # divide by (1 - q^i): c[u] += c[u - i], ascending (a running sum)
        for u in range(i, size):
            c[u] += c[u - i]
    return c


def mannwhitneyu(x, y, method="auto", use_continuity=True):
    """Two-sided Mann-Whitney U test of x against y (scipy.stats). Returns
    MWUResult(statistic=U1 of x, pvalue, method actually used)."""
    x, y = list(x), list(y)
    if not x or not y:
        raise ValueError("mannwhitneyu needs two non-empty samples")
    if method == "auto":
        ties = any(t > 1 for t in Counter(x + y).values())
        method = "asymptotic" if (len(x) > 8 and len(y) > 8) or ties \
            else "exact"
    if method not in ("exact", "asymptotic"):
        raise ValueError(f"unknown method {method!r}")
    r = scipy.stats.mannwhitneyu(x, y, use_continuity=use_continuity,
                                 alternative="two-sided", method=method)
    p = float(r.pvalue)
    if math.isnan(p):       # all values equal: no evidence of a shift
        p = 1.0
    return MWUResult(float(r.statistic), min(max(p, 0.0), 1.0), method)


def _ci_rank(m, n, confidence):
    """The 1-based rank k such that [D_(k), D_(mn+1-k)] of the m*n sorted
    pairwise differences is a distribution-free interval with coverage
    >= confidence (exact), or ~confidence (normal approximation for large
    m*n). Returns 0 when no finite interval reaches the confidence."""
    alpha = 1.0 - confidence
    mn = m * n
    if mn <= _EXACT_CI_MAX_MN:
        counts = mwu_null_counts(m, n)
        total = math.comb(m + n, m)
        # coverage of [D_(k), D_(mn+1-k)] is 1 - 2 P(U <= k-1)
        k, cum = 0, 0
        for c in counts[: (mn + 1) // 2 + 1]:
            cum += c  # P(U <= k) * total
            if 2 * cum > alpha * total:
                break
            k += 1
        return min(k, (mn + 1) // 2)
    z = scipy.stats.norm.ppf(1.0 - alpha / 2.0)
    sd = math.sqrt(mn * (m + n + 1) / 12.0)
    return max(0, min(int(math.floor(mn / 2.0 + 0.5 - z * sd)), (mn + 1) // 2))


def ratio_ci(a, b, confidence=0.95):
    """Estimate and confidence interval of the ratio B/A of typical times.

    Method: Hodges-Lehmann on log times. With d_ij = log(b_j) - log(a_i) over
    all m*n pairs, the estimate is exp(median(d)) and the interval is
    [exp(d_(k)), exp(d_(mn+1-k))], k from the exact null distribution of the
    Mann-Whitney U (normal approximation above 40000 pairs) -- the
    Moses/Bauer interval that inverts the same rank test compare reports.

    Why this rather than a bootstrap of the median ratio:
    - benchmark slowdowns are multiplicative, so on log times a change is a
      location shift, which is exactly the model under which Hodges-Lehmann
      estimates the shift; exp(shift) is then the ratio of the medians B/A;
    - it is distribution-free and exact in coverage (no resampling noise,
      no seed, identical output for identical input), and with 15 samples a
      side a bootstrap of a median is coarse and under-covers;
    - it inverts the Mann-Whitney test, so the interval and the p-value tell
      one story (the interval excludes 1 about when p < 1 - confidence);
    - ranks make it robust to the load spikes of a shared machine.

    Returns RatioCI(estimate, low, high, k); low = 0 and high = inf when the
    samples are too small for any finite interval at that confidence.
    Times must be > 0.
    """
    a, b = list(a), list(b)
    if not a or not b:
        raise ValueError("ratio_ci needs two non-empty samples")
    if min(a) <= 0 or min(b) <= 0:
        raise ValueError("ratio_ci needs positive times")
    la = [math.log(v) for v in a]
    lb = [math.log(v) for v in b]
    d = sorted(y - x for x in la for y in lb)
    est = math.exp(median(d))
    k = _ci_rank(len(a), len(b), confidence)
    if k == 0:
        return RatioCI(est, 0.0, math.inf, 0)
    return RatioCI(est, math.exp(d[k - 1]), math.exp(d[len(d) - k]), k)
