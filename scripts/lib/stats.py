"""Statistics for scripts/compare (standard library only).

    median(xs)
    rankdata(xs)                       average ranks, 1-based (ties share the mean rank)
    mwu_null_counts(m, n)              exact null distribution of U (counts)
    mannwhitneyu(x, y, method="auto")  two-sided Mann-Whitney U test
    ratio_ci(a, b, confidence=0.95)    Hodges-Lehmann ratio B/A and its interval

Mann-Whitney U follows scipy.stats.mannwhitneyu (SciPy >= 1.7) with
alternative="two-sided", use_continuity=True:

- the statistic is U1 = R1 - n1(n1+1)/2 for the first sample (R1 its rank sum
  in the pooled sample, average ranks for ties);
- method "auto" is "exact" when either sample has at most 8 values and there
  are no ties, otherwise "asymptotic";
- exact:      p = 2 * P(U >= max(U1, U2)) under the null (all C(n1+n2, n1)
              orderings equally likely), clipped to 1;
- asymptotic: z = (max(U1, U2) - n1 n2 / 2 - 0.5) / s with the tie-corrected
              s = sqrt(n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1)))),
              p = 2 * (1 - Phi(z)), clipped to 1. All-equal data (s = 0)
              gives z = -inf and p = 1.
"""

import math
from collections import Counter, namedtuple
from statistics import NormalDist

MWUResult = namedtuple("MWUResult", "statistic pvalue method")
RatioCI = namedtuple("RatioCI", "estimate low high k")

_STD_NORMAL = NormalDist()

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
    """Average ranks (1-based) of xs, in input order, like scipy.stats.rankdata."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        avg = (i + j) / 2.0 + 1.0  # ranks i+1 .. j+1
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        i = j + 1
    return ranks


def normal_sf(z):
    """P(Z > z) for a standard normal Z, accurate in the far tail."""
    if z == math.inf:
        return 0.0
    if z == -math.inf:
        return 1.0
    return 0.5 * math.erfc(z / math.sqrt(2.0))


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


def _exact_sf(u, m, n):
    """P(U >= u) under the null, exact."""
    counts = mwu_null_counts(m, n)
    u = max(0, int(math.ceil(u)))
    return sum(counts[u:]) / math.comb(m + n, m)


def mannwhitneyu(x, y, method="auto", use_continuity=True):
    """Two-sided Mann-Whitney U test of x against y (scipy's conventions,
    see the module docstring). Returns MWUResult(statistic=U1, pvalue, method)."""
    x, y = list(x), list(y)
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("mannwhitneyu needs two non-empty samples")
    pooled = x + y
    ranks = rankdata(pooled)
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    u2 = n1 * n2 - u1
    ties = [t for t in Counter(pooled).values() if t > 1]
    if method == "auto":
        method = "asymptotic" if (n1 > 8 and n2 > 8) or ties else "exact"
    u = max(u1, u2)
    if method == "exact":
        p = 2.0 * _exact_sf(u, n1, n2)
    elif method == "asymptotic":
        n = n1 + n2
        tie_term = sum(t ** 3 - t for t in ties)
        var = n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1)))
        s = math.sqrt(max(var, 0.0))
        num = u - n1 * n2 / 2.0 - (0.5 if use_continuity else 0.0)
        if s > 0:
            z = num / s
        else:
            z = math.inf if num > 0 else -math.inf if num < 0 else math.nan
        p = 2.0 * normal_sf(z) if not math.isnan(z) else 1.0
    else:
        raise ValueError(f"unknown method {method!r}")
    return MWUResult(u1, min(max(p, 0.0), 1.0), method)


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
    z = _STD_NORMAL.inv_cdf(1.0 - alpha / 2.0)
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
