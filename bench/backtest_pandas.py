"""The bench's pandas implementation of NEMO's coinbase-ma-crossover strategy (bench/backtest.ts runs it).

Same rules as strategies/coinbase-ma-crossover.ts with the bench parameters: buy when the fast SMA crosses above the
slow one and the first-passage probability of the take-profit before the stop is at least the minimum; fill at the
next bar's price plus slippage if within the limit; exit when a later bar reaches the take-profit or the stop; the
taker fee on both legs. Indicators are vectorised (pandas rolling windows); the exits depend on the path, so the walk
from one trade to the next is a loop with a numpy search per trade. Not modelled here: partial fills (never binding
at the bench's $50 order size) and the risk gate (every bench order passes it).

usage: backtest_pandas.py BARS_FILE N FAST SLOW VOL_WINDOW TAKE_PROFIT STOP_LOSS MIN_PROB FEE SLIP_BPS LIMIT_TOL
BARS_FILE holds N float64 closes. Prints one JSON line.
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def barrier_probability(mu, sigma, up, down):
    k = 2 * mu / (sigma * sigma)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p = (1 - np.exp(k * down)) / (np.exp(-k * up) - np.exp(k * down))
    p = np.where(np.abs(k * (up + down)) < 1e-9, down / (up + down), p)
    p = np.where(k * (up + down) > 700, 1.0, p)
    p = np.where(k * (up + down) < -700, 0.0, p)
    return np.where(sigma > 0, p, np.nan)


def run(close, fast, slow, vol_window, tp, sl, min_prob, fee, slip, tol):
    c = pd.Series(close)
    f = c.rolling(fast).mean()
    s = c.rolling(slow).mean()
    sigma = c.pct_change().rolling(vol_window).std(ddof=0).to_numpy()
    drift = np.log1p(c.pct_change(slow).to_numpy()) / slow
    p = barrier_probability(drift, sigma, np.log1p(tp), -np.log1p(-sl))
    cross = ((f.shift(1) <= s.shift(1)) & (f > s)).to_numpy()
    warmup = max(slow, vol_window) + 1
    idx = np.arange(len(close))
    entries = np.flatnonzero(cross & (p >= min_prob) & (idx >= warmup) & (idx < len(close) - 1))

    pnl = []
    k = 0
    while k < len(entries):
        i = entries[k]
        fill = close[i + 1] * (1 + slip)
        if fill > close[i] * (1 + tol):
            k += 1
            continue
        take, stop = close[i] * (1 + tp), close[i] * (1 - sl)
        j, step = i + 1, 256
        exit_at = len(close) - 1
        while j < len(close):
            window = close[j:j + step]
            hit = np.flatnonzero((window <= stop) | (window >= take))
            if hit.size:
                exit_at = j + hit[0]
                break
            j += step
            step *= 2
        out = close[exit_at] * (1 - slip)
        pnl.append(out * (1 - fee) / (fill * (1 + fee)) - 1)
        # The engine decides again on the exit bar: the next entry may be signalled there.
        k = np.searchsorted(entries, exit_at)
    return np.array(pnl)


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    fast, slow, vol_window = (int(x) for x in sys.argv[3:6])
    tp, sl, min_prob, fee, slip_bps, tol = (float(x) for x in sys.argv[6:12])
    close = np.fromfile(path, dtype=np.float64, count=n)
    started = time.perf_counter()
    returns = run(close, fast, slow, vol_window, tp, sl, min_prob, fee, slip_bps / 10_000, tol)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "bars": n,
        "seconds": seconds,
        "bars_per_second": n / seconds,
        "trades": int(returns.size),
        "win_rate": float((returns > 0).mean()) if returns.size else 0.0,
        "pandas": pd.__version__,
    }))


if __name__ == "__main__":
    main()
